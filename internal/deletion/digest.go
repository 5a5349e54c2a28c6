package deletion

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// DigestOf hashes the sorted strings joined by newlines, without building
// the joined string. It sorts its argument.
func DigestOf(values []string) string {
	slices.Sort(values)
	h := sha256.New()
	for i, v := range values {
		if i > 0 {
			h.Write([]byte{'\n'})
		}
		h.Write([]byte(v))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ChainDigest extends deleted_person_uuids_digest by the persons one apply
// deleted: the first apply's digest is that of its UUIDs; a later apply that
// deletes more hashes the previous digest followed by its own UUIDs, so the
// digest covers every apply in order.
func ChainDigest(prior string, deleted []string) string {
	sorted := lowerAll(deleted)
	if prior == "" {
		return DigestOf(sorted)
	}
	if len(sorted) == 0 {
		return prior
	}
	slices.Sort(sorted)
	h := sha256.New()
	h.Write([]byte(prior))
	for _, v := range sorted {
		h.Write([]byte{'\n'})
		h.Write([]byte(v))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lowerAll returns the ids in lower case (PostHog's form of UUIDs).
func lowerAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.ToLower(id)
	}
	return out
}
