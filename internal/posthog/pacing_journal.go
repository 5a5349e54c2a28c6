package posthog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Terraform runs every command in a new provider process: `terraform plan`
// and the `terraform apply` that follows it each start with an empty pacing
// history, so the apply's first calls can land in windows that the plan
// already filled, and PostHog answers 429. The pacing journal carries the
// history over: each process loads, at start, the end times of the calls
// made with the same host and key within the longest window, and records
// its own as it goes. The file holds timestamps only, under a name derived
// from a hash of host and key; nothing in it can be used to call PostHog.
//
// It is a hint, never a lock: processes running at the same time with the
// same key may overwrite each other's last entries (then PostHog's 429s,
// which are retried, still bound them), and a missing or unreadable file
// only means starting with an empty history.

// pacingJournal persists the pacers' call history for one host and key.
type pacingJournal struct {
	path   string
	pacers map[RateClass]*pacer
	now    func() time.Time
	// maxBlock is the furthest into the future a block may reach (the
	// client's longest accepted wait); a file that says more is wrong.
	maxBlock time.Duration

	mu sync.Mutex // serialises saves within the process
}

// journalFile is the file's JSON form: end times and block times in Unix
// nanoseconds, per class.
type journalFile struct {
	Ends    map[RateClass][]int64 `json:"ends"`
	Blocked map[RateClass]int64   `json:"blocked,omitempty"`
}

// journalPath names the journal of host and key inside dir.
func journalPath(dir, host, apiKey string) string {
	sum := sha256.Sum256([]byte(host + "\x00" + apiKey))
	return filepath.Join(dir, "pacing-"+hex.EncodeToString(sum[:16])+".json")
}

// openPacingJournal loads the history into the pacers and returns the
// journal that keeps it up to date; nil when there is nothing to pace.
// Entries that cannot be true are ignored: end times in the future, and
// blocks further ahead than maxBlock.
func openPacingJournal(dir, host, apiKey string, pacers map[RateClass]*pacer, now func() time.Time, maxBlock time.Duration) *pacingJournal {
	if dir == "" || len(pacers) == 0 {
		return nil
	}
	j := &pacingJournal{path: journalPath(dir, host, apiKey), pacers: pacers, now: now, maxBlock: maxBlock}
	pruneJournals(dir, now())
	file := j.read()
	at := now()
	for class, p := range pacers {
		p.mu.Lock()
		p.ends = p.recent(file.Ends[class], at)
		if b, ok := file.Blocked[class]; ok && j.plausibleBlock(b, at) {
			p.blocked = time.Unix(0, b)
		}
		p.mu.Unlock()
	}
	return j
}

// recent keeps the end times (Unix ns) that can still count in one of p's
// windows, ascending, at most maxN of them. A call cannot have ended after
// now: such an entry is wrong and would hold the pacer back, so it is
// dropped. p.mu must be held.
func (p *pacer) recent(ends []int64, now time.Time) []time.Time {
	var longest time.Duration
	for _, w := range p.windows {
		longest = max(longest, w.Per)
	}
	out := make([]time.Time, 0, len(ends))
	for _, e := range ends {
		t := time.Unix(0, e)
		if now.Sub(t) < longest && !t.After(now) {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	if len(out) > p.maxN {
		out = out[len(out)-p.maxN:]
	}
	return out
}

func (j *pacingJournal) read() journalFile {
	var file journalFile
	data, err := os.ReadFile(j.path)
	if err != nil || json.Unmarshal(data, &file) != nil {
		return journalFile{}
	}
	return file
}

// save merges this process's history of class into the file. It is called
// after every call ends; errors are ignored (the journal is a hint).
func (j *pacingJournal) save(class RateClass) {
	if j == nil {
		return
	}
	p := j.pacers[class]
	if p == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	file := j.read()
	if file.Ends == nil {
		file.Ends = map[RateClass][]int64{}
	}
	if file.Blocked == nil {
		file.Blocked = map[RateClass]int64{}
	}
	at := j.now()
	p.mu.Lock()
	merged := make(map[int64]struct{}, len(p.ends)+len(file.Ends[class]))
	for _, e := range file.Ends[class] {
		merged[e] = struct{}{}
	}
	for _, t := range p.ends {
		merged[t.UnixNano()] = struct{}{}
	}
	all := make([]int64, 0, len(merged))
	for e := range merged {
		all = append(all, e)
	}
	kept := p.recent(all, at)
	if p.blocked.After(at) && p.blocked.UnixNano() > file.Blocked[class] {
		file.Blocked[class] = p.blocked.UnixNano()
	}
	p.mu.Unlock()
	ends := make([]int64, len(kept))
	for i, t := range kept {
		ends[i] = t.UnixNano()
	}
	file.Ends[class] = ends
	for c, b := range file.Blocked {
		if !j.plausibleBlock(b, at) {
			delete(file.Blocked, c)
		}
	}
	j.write(file)
}

// plausibleBlock reports whether a block until b (Unix ns) still holds at
// at and lies no further ahead than the longest accepted wait.
func (j *pacingJournal) plausibleBlock(b int64, at time.Time) bool {
	t := time.Unix(0, b)
	return t.After(at) && t.Sub(at) <= j.maxBlock
}

// write replaces the file atomically (a temporary file renamed over it), so
// that a reader never sees half a journal.
func (j *pacingJournal) write(file journalFile) {
	data, err := json.Marshal(file)
	if err != nil {
		return
	}
	dir := filepath.Dir(j.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".pacing-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), j.path) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// journalMaxAge is how long an untouched journal is kept: longer than
// PostHog's longest window (an hour), after which its entries are useless.
const journalMaxAge = 2 * time.Hour

// pruneJournals removes the journals of hosts and keys not used for
// journalMaxAge, so that the directory does not grow without bound.
func pruneJournals(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if filepath.Ext(name) != ".json" || len(name) < len("pacing-") || name[:len("pacing-")] != "pacing-" {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > journalMaxAge {
			_ = os.Remove(filepath.Join(dir, name))
		}
	}
}
