package posthog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A second client of the same host and key, as in the apply process that
// follows a plan, starts from the first one's history and so stays inside
// PostHog's window; without the journal it runs into 429s.
func TestPacingJournalCarriesHistoryToTheNextProcess(t *testing.T) {
	ws := []RateWindow{{10, 2 * time.Second}}
	burst := func(t *testing.T, srv *throttleServer, dir string) {
		t.Helper()
		c, err := NewClient(Config{Host: srv.URL, APIKey: testKey, MaxRetries: 5, RateLimits: RateLimits{Delete: ws}, PacingJournalDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		for range 10 {
			if err := deleteClassCall(context.Background(), c); err != nil {
				t.Fatal(err)
			}
		}
	}

	t.Run("with the journal", func(t *testing.T) {
		srv := newThrottleServer(t, ws, 0)
		dir := t.TempDir()
		burst(t, srv, dir) // the plan's process
		burst(t, srv, dir) // the apply's process
		if srv.refused.Load() != 0 {
			t.Fatalf("%d of %d requests were throttled although the journal held the first client's calls", srv.refused.Load(), srv.requests.Load())
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "pacing-") {
			t.Fatalf("journal directory holds %v, want one pacing-*.json", entries)
		}
		data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), testKey) || strings.Contains(entries[0].Name(), testKey) {
			t.Fatalf("the journal reveals the API key")
		}
	})
	t.Run("without the journal", func(t *testing.T) {
		srv := newThrottleServer(t, ws, 0)
		burst(t, srv, "")
		burst(t, srv, "")
		if srv.refused.Load() == 0 {
			t.Fatalf("no request was throttled: the control case does not exercise the window")
		}
	})
}

// Another key (or host) has its own journal: its history does not slow
// this one down.
func TestPacingJournalIsPerHostAndKey(t *testing.T) {
	dir := t.TempDir()
	a := journalPath(dir, "https://us.posthog.com", "phx_a")
	if a == journalPath(dir, "https://us.posthog.com", "phx_b") || a == journalPath(dir, "https://eu.posthog.com", "phx_a") {
		t.Fatalf("journal paths collide")
	}
}

// A damaged journal is ignored, and old journals are pruned.
func TestPacingJournalDamagedAndOldFiles(t *testing.T) {
	dir := t.TempDir()
	host := "https://us.posthog.com"
	if err := os.WriteFile(journalPath(dir, host, testKey), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "pacing-0000.json")
	if err := os.WriteFile(old, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-3 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(Config{Host: host, APIKey: testKey, PacingJournalDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for class, p := range c.pacers {
		if len(p.ends) != 0 {
			t.Errorf("class %s loaded %d entries from a damaged journal", class, len(p.ends))
		}
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a journal untouched for 3 hours was not pruned: %v", err)
	}
}
