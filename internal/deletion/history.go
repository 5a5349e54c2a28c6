package deletion

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"slices"
)

// IDHistory remembers ids seen by earlier applies of a compact-form request
// (file or write-only ids), which keeps no lists in state: which requested
// ids matched a person, so that an id whose person an earlier apply deleted
// is not later reported as matching nobody, and which persons were deleted,
// so that a returning user deleted again is counted once. It keeps 8-byte prefixes of the
// ids' sha256, never the ids: the file form keeps identifiers out of state.
// For 100,000 ids a chance collision (an id never matched counted as
// matched before) has a probability of about 3e-10.
type IDHistory struct {
	hashes map[uint64]struct{}
}

// ParseIDHistory reads a history written by Encode; anything else (no
// history yet, or one from another version) is an empty history.
func ParseIDHistory(data []byte) IDHistory {
	h := IDHistory{hashes: map[uint64]struct{}{}}
	var text string
	if len(data) == 0 || json.Unmarshal(data, &text) != nil {
		return h
	}
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw)%8 != 0 {
		return h
	}
	for i := 0; i < len(raw); i += 8 {
		h.hashes[binary.BigEndian.Uint64(raw[i:])] = struct{}{}
	}
	return h
}

// Encode writes the history as one JSON string (base64 of the sorted
// prefixes), the form Terraform's private state takes.
func (h IDHistory) Encode() []byte {
	sorted := make([]uint64, 0, len(h.hashes))
	for v := range h.hashes {
		sorted = append(sorted, v)
	}
	slices.Sort(sorted)
	raw := make([]byte, 8*len(sorted))
	for i, v := range sorted {
		binary.BigEndian.PutUint64(raw[8*i:], v)
	}
	out, _ := json.Marshal(base64.StdEncoding.EncodeToString(raw))
	return out
}

// Len is how many ids the history holds.
func (h IDHistory) Len() int { return len(h.hashes) }

// With returns the history plus the requested ids that matched.
func (h IDHistory) With(req Request, matched map[string]struct{}) IDHistory {
	out := IDHistory{hashes: make(map[uint64]struct{}, len(h.hashes)+len(matched))}
	for v := range h.hashes {
		out.hashes[v] = struct{}{}
	}
	for id := range matched {
		out.hashes[idHash(req.Key(id))] = struct{}{}
	}
	return out
}

// Has reports whether the requested id matched in an earlier apply.
func (h IDHistory) Has(req Request, id string) bool {
	_, ok := h.hashes[idHash(req.Key(id))]
	return ok
}

// Missing counts the distinct ids the history does not hold.
func (h IDHistory) Missing(req Request, ids []string) int {
	seen := map[string]struct{}{}
	for _, id := range ids {
		if _, dup := seen[req.Key(id)]; !dup && !h.Has(req, id) {
			seen[req.Key(id)] = struct{}{}
		}
	}
	return len(seen)
}

// NeverMatched counts the requested ids that match no person now and did
// not match in an earlier apply either.
func (h IDHistory) NeverMatched(req Request, found Lookup) int {
	n := 0
	for _, id := range found.UnmatchedIDs(req.IDs) {
		if !h.Has(req, id) {
			n++
		}
	}
	return n
}

func idHash(key string) uint64 {
	sum := sha256.Sum256([]byte(key))
	return binary.BigEndian.Uint64(sum[:8])
}
