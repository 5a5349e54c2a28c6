// Package deletion is the domain of posthog_person_deletion: what a request
// asks, what to do about it at plan and apply time (Decide), how an apply
// deletes and verifies (Runner), what state records of it (Record) and the
// evidence document built from that record. It knows nothing of Terraform's
// plugin framework; internal/provider converts between its types and the
// resource's schema. DESIGN.md describes the flow.
package deletion

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// CanonicalUUID is the 36-character form PostHog prints; other forms that
// parsers accept (braces, urn:uuid:) are rejected so that the ids in state
// are the ones users see in PostHog.
var CanonicalUUID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Request is what one posthog_person_deletion asks PostHog to do.
type Request struct {
	ProjectID int64
	ByUUID    bool
	// File is true for the file form (distinct_ids_file, uuids_file) and
	// WriteOnly for write-only ids (distinct_ids_wo, uuids_wo): state then
	// keeps counts and digests instead of per-person lists (Compact).
	File      bool
	WriteOnly bool
	// Property, when set, makes IDs values of that person property (emails:
	// "email") rather than distinct ids; one value may match several persons.
	Property string
	IDs      []string // as configured, in order
	// Tickets, in the tickets form (a File request), says which tickets ask
	// for each id.
	Tickets          *Tickets
	DeleteEvents     bool
	DeleteRecordings bool
	KeepPerson       bool
}

// IDKind names the list the ids came from, for messages and import ids.
func (r Request) IDKind() string {
	switch {
	case r.ByUUID:
		return "uuids"
	case r.Property == "email":
		return "emails"
	case r.Property != "":
		return r.Property + "_values"
	}
	return "distinct_ids"
}

// Form names the request's form in the evidence record.
func (r Request) Form() string {
	switch {
	case r.Tickets != nil:
		return "tickets"
	case r.File:
		return "file"
	case r.WriteOnly:
		return "write_only"
	}
	return "list"
}

// Compact reports whether state keeps counts and digests instead of
// per-person lists: the file form and write-only ids.
func (r Request) Compact() bool {
	return r.File || r.WriteOnly
}

// Key is how the batch endpoints key a requested id: PostHog normalises
// UUIDs to lower case.
func (r Request) Key(id string) string {
	if r.ByUUID {
		return strings.ToLower(id)
	}
	return id
}

func (r Request) keys() []string {
	keys := make([]string, len(r.IDs))
	for i, id := range r.IDs {
		keys[i] = r.Key(id)
	}
	return keys
}

// Digest is requested_digest: the sha256 of the request's ids as PostHog
// keys them (UUIDs in lower case), sorted and joined by newlines.
func (r Request) Digest() string {
	if r.Tickets != nil {
		return DigestOf(r.Tickets.digestKeys())
	}
	return DigestOf(r.keys())
}

// ResourceID identifies a request by project, id kind and a digest of the
// ids: the resource's id.
func (r Request) ResourceID() string {
	keys := r.keys()
	sort.Strings(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return fmt.Sprintf("%d:%s:%s", r.ProjectID, r.IDKind(), hex.EncodeToString(sum[:8]))
}

// ParseImportID reads "[<project_id>:]distinct_ids:<id>,<id>..." or
// "[<project_id>:]uuids:<uuid>,<uuid>..."; ProjectID is 0 when the prefix is
// left out.
func ParseImportID(id string) (Request, error) {
	var request Request
	rest := id
	if head, tail, ok := strings.Cut(id, ":"); ok && head != "distinct_ids" && head != "uuids" {
		projectID, err := ParseProjectID(head)
		if err != nil {
			return request, fmt.Errorf("%w in import id %q; expected [<project_id>:]distinct_ids:<id>,<id> or [<project_id>:]uuids:<uuid>,<uuid>", err, id)
		}
		request.ProjectID = projectID
		rest = tail
	}
	kind, list, ok := strings.Cut(rest, ":")
	if !ok || (kind != "distinct_ids" && kind != "uuids") || list == "" {
		return request, fmt.Errorf("import id %q must look like \"12345:distinct_ids:alice@example.com,bob\" or \"12345:uuids:<uuid>,<uuid>\" (the project id prefix is optional)", id)
	}
	request.ByUUID = kind == "uuids"
	request.IDs = strings.Split(list, ",")
	for _, entry := range request.IDs {
		if strings.TrimSpace(entry) == "" {
			return request, fmt.Errorf("import id %q has an empty id; separate ids with single commas", id)
		}
		if request.ByUUID && !CanonicalUUID.MatchString(entry) {
			return request, fmt.Errorf("import id %q: %q is not a person UUID", id, entry)
		}
	}
	return request, nil
}

// ParseProjectID reads a project id as configured.
func ParseProjectID(raw string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("project_id must be the positive numeric id of a PostHog project (the number in "+
			"/project/<id>/ in PostHog's URLs), got %q", raw)
	}
	return id, nil
}
