package lookups

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"golang.org/x/sync/errgroup"

	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

const (
	// snapshotMaxAge bounds how long one process answers plan-time lookups
	// from its snapshot. A snapshot is taken by the command that uses it, so
	// it is never older than that command; the bound only keeps a command
	// that runs for very long from answering from its start.
	snapshotMaxAge = 10 * time.Minute
	// snapshotConcurrency is how many batch calls of a snapshot are in
	// flight at once: the calls of one snapshot hold up the instances
	// waiting for it, and the client's pacing keeps them within PostHog's
	// limits.
	snapshotConcurrency = 4
	// snapshotTimeout bounds a snapshot; the instances waiting for it then
	// look their ids up themselves.
	snapshotTimeout = 5 * time.Minute
	// snapshotAfterPreviews is how many plan previews a process makes
	// before it takes a snapshot without a refresh (a saved plan's apply,
	// or a plan of new instances only).
	snapshotAfterPreviews = 20
)

// snapshot is one pass over a roster's ids, taken once per process, project
// and id kind.
type snapshot struct {
	done    chan struct{} // closed when the fields below are set
	takenAt time.Time     // when the pass started
	asked   map[string]struct{}
	found   map[string]posthog.Person
	err     error
}

// answer returns the persons of keys from the snapshot; false when the
// snapshot does not cover every key, failed or is too old.
func (s *snapshot) answer(keys []string, now time.Time) (map[string]posthog.Person, bool) {
	if s.err != nil || now.Sub(s.takenAt) > snapshotMaxAge {
		return nil, false
	}
	out := make(map[string]posthog.Person, len(keys))
	for _, k := range keys {
		if _, ok := s.asked[k]; !ok {
			return nil, false
		}
		if p, ok := s.found[k]; ok {
			out[k] = p
		}
	}
	return out, true
}

// snapshots holds the snapshots of one process.
type snapshots struct {
	mu       sync.Mutex
	taken    map[rosterKey]*snapshot
	previews map[rosterKey]int
}

// countPreview counts one more preview of k and returns how many came
// before it.
func (ss *snapshots) countPreview(k rosterKey) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.previews[k]++
	return ss.previews[k] - 1
}

// get returns the snapshot of k, taking it when there is none and take is
// set; nil when there is none (or the roster has no ids for k).
func (ss *snapshots) get(ctx context.Context, k rosterKey, ids []string, fetch lookupFunc, take bool) *snapshot {
	ss.mu.Lock()
	snap, ok := ss.taken[k]
	if !ok && take && len(ids) > 0 {
		snap = &snapshot{done: make(chan struct{}), takenAt: time.Now()}
		ss.taken[k] = snap
		// No single caller can cancel the pass: it serves them all.
		go snap.take(context.WithoutCancel(ctx), k.projectID, ids, fetch)
	}
	ss.mu.Unlock()
	return snap
}

// take resolves ids in full batches, a few calls at a time.
func (s *snapshot) take(ctx context.Context, projectID int64, ids []string, fetch lookupFunc) {
	defer close(s.done)
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	results := make([]map[string]posthog.Person, (len(ids)+posthog.MaxBatchLookup-1)/posthog.MaxBatchLookup)
	group, groupCtx := errgroup.WithContext(ctx)
	group.SetLimit(snapshotConcurrency)
	for i := range results {
		chunk := ids[i*posthog.MaxBatchLookup : min((i+1)*posthog.MaxBatchLookup, len(ids))]
		group.Go(func() error {
			found, err := fetch(groupCtx, projectID, chunk)
			results[i] = found
			return err
		})
	}
	if s.err = group.Wait(); s.err != nil {
		tflog.Debug(ctx, "the lookup snapshot failed; instances look their ids up themselves", map[string]any{"error": s.err.Error()})
		return
	}
	s.asked = make(map[string]struct{}, len(ids))
	for _, id := range ids {
		s.asked[id] = struct{}{}
	}
	s.found = make(map[string]posthog.Person, len(ids))
	for _, found := range results {
		for id, p := range found {
			s.found[id] = p
		}
	}
	tflog.Debug(ctx, "took a lookup snapshot of the ids earlier commands asked about",
		map[string]any{"ids": len(ids), "persons": len(s.found), "calls": len(results)})
}
