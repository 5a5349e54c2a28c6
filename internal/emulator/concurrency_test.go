package emulator

import (
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentRequests exercises the store lock (run with -race).
func TestConcurrentRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{BulkDeleteMode: "async", AsyncDeleteDelay: 1})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				d := fmt.Sprintf("w%d-%d", w, i)
				e.capture("x", d, map[string]any{"$set": map[string]any{"i": i}}, t0)
				e.get(P + "?limit=5")
				e.post(P+"bulk_delete/", map[string]any{"distinct_ids": []string{d}, "delete_events": true})
				e.srv.RunDeletionJob()
			}
		}()
	}
	wg.Wait()
	e.srv.FlushQueuedDeletions()
	if n := len(e.srv.Persons()); n != 0 {
		t.Fatalf("%d persons left", n)
	}
	if s := e.srv.Stats(); s.Count("POST", "/batch/") != 160 {
		t.Fatalf("stats %v", s.Routes)
	}
}
