package main

import (
	"context"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// seed makes every emulator of a run, and every run, hold the same persons.
const seed = 6

// workload is what a scenario deletes: groups of distinct ids, one group per
// posthog_person_deletion resource, plus bystanders that stay.
type workload struct {
	groups     [][]string
	bystanders []string
}

func (w workload) ids() []string {
	var out []string
	for _, g := range w.groups {
		out = append(out, g...)
	}
	return out
}

// makeWorkload draws total distinct ids split into resources groups (one
// group when resources is 1, else 1-3 ids each until the ids run out) and
// total/10 bystanders, all from the fixed seed.
func makeWorkload(total, resources int) workload {
	r := rand.New(rand.NewSource(seed))
	newID := idSource(r)
	var w workload
	if resources <= 1 {
		g := make([]string, total)
		for i := range g {
			g[i] = newID()
		}
		w.groups = [][]string{g}
	} else {
		for i := 0; i < resources; i++ {
			g := make([]string, 1+r.Intn(3))
			for j := range g {
				g[j] = newID()
			}
			w.groups = append(w.groups, g)
		}
	}
	w.addBystanders(newID)
	return w
}

// makeTickets draws n erasure tickets of exactly perTicket distinct ids each
// and the bystanders, from the fixed seed. The tickets come first, so the
// first k tickets of makeTickets(n) are those of makeTickets(k).
func makeTickets(n, perTicket int) workload {
	newID := idSource(rand.New(rand.NewSource(seed)))
	var w workload
	for i := 0; i < n; i++ {
		g := make([]string, perTicket)
		for j := range g {
			g[j] = newID()
		}
		w.groups = append(w.groups, g)
	}
	w.addBystanders(newID)
	return w
}

// idSource returns a generator of distinct ids, never the same twice.
func idSource(r *rand.Rand) func() string {
	used := map[string]bool{}
	return func() string {
		for {
			id := fmt.Sprintf("user-%08x", r.Uint32())
			if !used[id] {
				used[id] = true
				return id
			}
		}
	}
}

// addBystanders adds one person in ten of the requested ids (at least one)
// that no deletion asks for.
func (w *workload) addBystanders(newID func() string) {
	for i := 0; i < max(1, len(w.ids())/10); i++ {
		w.bystanders = append(w.bystanders, newID())
	}
}

// prefix is the workload of the first n groups, with the same bystanders.
func (w workload) prefix(n int) workload {
	return workload{groups: w.groups[:n], bystanders: w.bystanders}
}

// liveEmulator is an emulator served on a free loopback port.
type liveEmulator struct {
	srv  *emulator.Server
	hs   *http.Server
	host string
}

// startEmulator seeds a fresh emulator with one person per distinct id of w
// (in process, through Ingest) and serves it.
func startEmulator(cfg emulator.Config, w workload, addr string) (*liveEmulator, error) {
	srv := emulator.New(cfg)
	at := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	all := append(w.ids(), w.bystanders...)
	events := make([]emulator.Event, len(all))
	for i, id := range all {
		events[i] = emulator.Event{
			Event: "$pageview", DistinctID: id, Timestamp: at.Add(time.Duration(i) * time.Millisecond),
			Properties: map[string]any{"$current_url": "https://app.example.com/"},
			UUID:       fmt.Sprintf("0194a1b2-0000-7000-8000-%012x", i),
		}
	}
	srv.Ingest(events...)
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		srv.Close()
		return nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &liveEmulator{srv: srv, hs: hs, host: "http://" + ln.Addr().String()}, nil
}

func (e *liveEmulator) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = e.hs.Shutdown(ctx)
	e.srv.Close()
}
