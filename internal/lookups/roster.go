package lookups

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// A roster remembers, from one Terraform command to the next, which ids the
// list-form posthog_person_deletion instances of one working directory look
// up. Terraform hands the provider one instance at a time, at most
// -parallelism at once, and tells it nothing about the others; so without a
// roster a plan of 2,000 small instances makes about 2,000/parallelism
// lookup calls. With one, the first plan-time lookup of a process resolves
// every id of the roster in full batches (a snapshot), and the other
// instances are answered from it: ceil(ids/200) calls whatever -parallelism
// is. DESIGN.md ("Sharing lookups between instances") has the whole story.
//
// Only ids are kept, never what PostHog answered: every command looks them
// up afresh, so a user who comes back is seen by the next plan. The ids are
// the same identifiers the list form keeps in state; on disk they are
// encrypted with a key derived from the API key (AES-256-GCM), so the file
// tells nothing to someone without the key, and someone with the key can
// list the persons from PostHog anyway. Ids no instance asked about for
// rosterTTL are dropped. Like the pacing journal, the roster is a hint: a
// missing, foreign or damaged file only means more lookup calls.
type roster struct {
	path string
	key  []byte // AES-256 key; nil when the roster is off
	now  func() time.Time

	mu sync.Mutex
	// loaded is what earlier commands remembered: the ids a snapshot
	// resolves. seen is when each id was last asked about (Unix seconds),
	// earlier commands' entries included; saving writes it back.
	loaded  map[rosterKey][]string
	seen    map[rosterKey]map[string]int64
	dirty   bool
	saved   time.Time
	pending *time.Timer // a save scheduled for later
}

// rosterKey is one project's ids of one kind: distinct ids, or UUIDs (lower
// case).
type rosterKey struct {
	projectID int64
	byUUID    bool
}

const (
	// rosterTTL is how long an id stays on the roster after the last
	// command that asked about it: long enough to cover a plan reviewed for
	// a few days before its apply, short enough that ids of removed
	// resources stop costing calls.
	rosterTTL = 7 * 24 * time.Hour
	// maxRosterIDs bounds the ids of one project and kind: 100,000 ids are
	// 500 calls, two minutes of PostHog's read limit; beyond that the oldest go.
	maxRosterIDs = 100000
	// rosterSaveEvery spaces saves while instances keep coming; Flush saves
	// the rest when the process ends.
	rosterSaveEvery = time.Second
)

// rosterFile is the decrypted file: per project and kind, each id with the
// Unix time it was last asked about.
type rosterFile struct {
	Version  int                         `json:"version"`
	Projects map[string]rosterProjectIDs `json:"projects"`
}

type rosterProjectIDs struct {
	DistinctIDs map[string]int64 `json:"distinct_ids,omitempty"`
	UUIDs       map[string]int64 `json:"uuids,omitempty"`
}

// RosterConfig says where the roster of one provider process lives. An
// empty Dir turns it off.
type RosterConfig struct {
	Dir       string // the pacing journal's directory
	Host      string
	APIKey    string
	WorkDir   string // the directory Terraform runs in
	Workspace string // TF_WORKSPACE, when set
}

// openRoster loads the roster of cfg; a roster that is off holds nothing
// and saves nothing.
func openRoster(cfg RosterConfig, now func() time.Time) *roster {
	r := &roster{now: now, loaded: map[rosterKey][]string{}, seen: map[rosterKey]map[string]int64{}}
	if cfg.Dir == "" || cfg.APIKey == "" {
		return r
	}
	sum := sha256.Sum256([]byte(cfg.Host + "\x00" + cfg.APIKey + "\x00" + cfg.WorkDir + "\x00" + cfg.Workspace))
	r.path = filepath.Join(cfg.Dir, "roster-"+hex.EncodeToString(sum[:16])+".bin")
	key, err := hkdf.Key(sha256.New, []byte(cfg.APIKey), []byte("terraform-provider-posthog roster"), cfg.Host, 32)
	if err != nil {
		r.path = ""
		return r
	}
	r.key = key
	file, ok := r.read()
	if !ok {
		return r
	}
	oldest := now().Add(-rosterTTL).Unix()
	for project, ids := range file.Projects {
		projectID, err := strconv.ParseInt(project, 10, 64)
		if err != nil || projectID <= 0 {
			continue
		}
		for byUUID, entries := range map[bool]map[string]int64{false: ids.DistinctIDs, true: ids.UUIDs} {
			k := rosterKey{projectID, byUUID}
			for id, at := range entries {
				if at < oldest || id == "" {
					continue
				}
				r.markLocked(k, id, at)
				r.loaded[k] = append(r.loaded[k], id)
			}
			slices.Sort(r.loaded[k])
		}
	}
	return r
}

// ids returns the ids earlier commands remembered for k, sorted.
func (r *roster) ids(k rosterKey) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.loaded[k]
}

// remember records that ids (keys as the batch endpoints take them) were
// asked about now, and saves now and then.
func (r *roster) remember(k rosterKey, ids []string) {
	if r.key == nil || len(ids) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	at := r.now().Unix()
	for _, id := range ids {
		r.markLocked(k, id, at)
	}
	r.dirty = true
	if r.now().Sub(r.saved) >= rosterSaveEvery {
		r.saveLocked()
		return
	}
	if r.pending == nil {
		// Save the rest a little later, in case no instance comes after.
		r.pending = time.AfterFunc(rosterSaveEvery, func() {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.pending = nil
			if r.dirty {
				r.saveLocked()
			}
		})
	}
}

func (r *roster) markLocked(k rosterKey, id string, at int64) {
	m := r.seen[k]
	if m == nil {
		m = map[string]int64{}
		r.seen[k] = m
	}
	if at > m[id] {
		m[id] = at
	}
}

// flush saves what is not saved yet, now, and cancels the save scheduled
// for later, so that nothing writes to the directory after flush returns
// unless an instance asks about ids again.
func (r *roster) flush() {
	if r.key == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending != nil {
		r.pending.Stop()
		r.pending = nil
	}
	if r.dirty {
		r.saveLocked()
	}
}

// saveLocked merges this process's entries into the file (another process
// of the same directory may have saved since) and writes it atomically.
func (r *roster) saveLocked() {
	r.saved = r.now()
	r.dirty = false
	file, _ := r.read()
	merged := map[rosterKey]map[string]int64{}
	for project, ids := range file.Projects {
		projectID, err := strconv.ParseInt(project, 10, 64)
		if err != nil {
			continue
		}
		merged[rosterKey{projectID, false}] = ids.DistinctIDs
		merged[rosterKey{projectID, true}] = ids.UUIDs
	}
	for k, ids := range r.seen {
		m := merged[k]
		if m == nil {
			m = map[string]int64{}
			merged[k] = m
		}
		for id, at := range ids {
			if at > m[id] {
				m[id] = at
			}
		}
	}
	out := rosterFile{Version: 1, Projects: map[string]rosterProjectIDs{}}
	oldest := r.now().Add(-rosterTTL).Unix()
	for k, ids := range merged {
		kept := newest(ids, oldest, maxRosterIDs)
		if len(kept) == 0 {
			continue
		}
		project := out.Projects[strconv.FormatInt(k.projectID, 10)]
		if k.byUUID {
			project.UUIDs = kept
		} else {
			project.DistinctIDs = kept
		}
		out.Projects[strconv.FormatInt(k.projectID, 10)] = project
	}
	_ = r.write(out)
}

// newest keeps the entries seen since oldest, at most limit of them, the
// most recent first.
func newest(ids map[string]int64, oldest int64, limit int) map[string]int64 {
	type entry struct {
		id string
		at int64
	}
	var entries []entry
	for id, at := range ids {
		if at >= oldest {
			entries = append(entries, entry{id, at})
		}
	}
	if len(entries) > limit {
		slices.SortFunc(entries, func(a, b entry) int { return int(b.at - a.at) })
		entries = entries[:limit]
	}
	out := make(map[string]int64, len(entries))
	for _, e := range entries {
		out[e.id] = e.at
	}
	return out
}

// read decrypts the file; false when there is none or it cannot be read
// with this key.
func (r *roster) read() (rosterFile, bool) {
	var file rosterFile
	data, err := os.ReadFile(r.path)
	if err != nil {
		return file, false
	}
	plain, err := r.open(data)
	if err != nil || json.Unmarshal(plain, &file) != nil || file.Version != 1 {
		return rosterFile{}, false
	}
	return file, true
}

func (r *roster) write(file rosterFile) error {
	plain, err := json.Marshal(file)
	if err != nil {
		return err
	}
	sealed, err := r.seal(plain)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.path), filepath.Base(r.path)+".*")
	if err != nil {
		return err
	}
	// After the rename there is nothing left to remove.
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(sealed); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), r.path)
}

func (r *roster) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(r.key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts plain as nonce || ciphertext.
func (r *roster) seal(plain []byte) ([]byte, error) {
	aead, err := r.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plain, []byte(filepath.Base(r.path))), nil
}

func (r *roster) open(data []byte) ([]byte, error) {
	aead, err := r.aead()
	if err != nil {
		return nil, err
	}
	if len(data) < aead.NonceSize() {
		return nil, errors.New("roster file too short")
	}
	return aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(filepath.Base(r.path)))
}
