package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Person is a person in any of PostHog's three shapes (reference §3).
type Person struct {
	ID           int64 // numeric pk (retrieve/batch shapes); 0 when unknown (list shape has uuid id)
	UUID         string
	Name         string
	DistinctIDs  []string
	Properties   map[string]any
	CreatedAt    string
	LastSeenAt   string // "" when null
	IsIdentified *bool  // list shape only
}

// MaxBatchLookup is how many inputs batch_by_* use; PostHog silently drops
// the rest (reference §4.4, §4.5).
const MaxBatchLookup = 200

// wirePerson accepts all three shapes: id is an integer in PersonRecord and
// MinimalPerson but the UUID string in the list's SerializedPerson, and a
// missing person may come back with null id/name/created_at (reference §3).
type wirePerson struct {
	ID           json.RawMessage `json:"id"`
	UUID         *string         `json:"uuid"`
	Name         *string         `json:"name"`
	DistinctIDs  []string        `json:"distinct_ids"`
	Properties   map[string]any  `json:"properties"`
	CreatedAt    *string         `json:"created_at"`
	LastSeenAt   *string         `json:"last_seen_at"`
	IsIdentified *bool           `json:"is_identified"`
}

func (w wirePerson) person() (Person, error) {
	p := Person{
		UUID:         deref(w.UUID),
		Name:         deref(w.Name),
		DistinctIDs:  w.DistinctIDs,
		Properties:   w.Properties,
		CreatedAt:    deref(w.CreatedAt),
		LastSeenAt:   deref(w.LastSeenAt),
		IsIdentified: w.IsIdentified,
	}
	raw := bytes.TrimSpace(w.ID)
	switch {
	case len(raw) == 0 || string(raw) == "null":
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return p, fmt.Errorf("person id: %v", err)
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			p.ID = n
		} else if p.UUID == "" {
			p.UUID = s // list shape: id is the uuid
		}
	default:
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return p, fmt.Errorf("person id %s is neither an integer nor a string", raw)
		}
		p.ID = n
	}
	if p.Properties == nil {
		p.Properties = map[string]any{}
	}
	return p, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// GetPerson retrieves one person by numeric pk or UUID (reference §4.2).
// A 404 gives an error for which IsNotFound is true.
func (c *Client) GetPerson(ctx context.Context, projectID int64, idOrUUID string) (*Person, error) {
	id := strings.TrimSpace(idOrUUID)
	if id == "" {
		return nil, errors.New("posthog: GetPerson needs a person id or uuid")
	}
	path := projectPath(projectID, "persons/"+url.PathEscape(id)+"/")
	var w wirePerson
	status, err := c.do(ctx, http.MethodGet, "/api/projects/{project_id}/persons/{id}/", path, nil, nil, &w)
	if err != nil {
		return nil, err
	}
	p, err := w.person()
	if err == nil && p.UUID == "" {
		err = errors.New("person has no uuid")
	}
	if err != nil {
		return nil, fmt.Errorf("GET %s: unexpected response from PostHog (status %d): %v", path, status, err)
	}
	return &p, nil
}

// ListPersonsOptions are the list filters (reference §4.1). Zero values are not sent.
type ListPersonsOptions struct {
	Limit, Offset      int
	DistinctID, Search string
	IncludeTotal       bool
}

// PersonsPage is one page of the persons list. Next/Previous are PostHog's
// absolute URLs ("" when null); Count is set only with IncludeTotal.
type PersonsPage struct {
	Results  []Person
	Next     string
	Previous string
	Count    *int
}

// ListPersons reads one page of persons (SerializedPerson shape, reference §3).
func (c *Client) ListPersons(ctx context.Context, projectID int64, opts ListPersonsOptions) (*PersonsPage, error) {
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Offset > 0 {
		q.Set("offset", strconv.Itoa(opts.Offset))
	}
	if opts.DistinctID != "" {
		q.Set("distinct_id", opts.DistinctID)
	}
	if opts.Search != "" {
		q.Set("search", opts.Search)
	}
	if opts.IncludeTotal {
		q.Set("include_total", "true") // tested by presence
	}
	path := projectPath(projectID, "persons/")
	var w struct {
		Results  []wirePerson `json:"results"`
		Next     *string      `json:"next"`
		Previous *string      `json:"previous"`
		Count    *int         `json:"count"`
	}
	status, err := c.do(ctx, http.MethodGet, "/api/projects/{project_id}/persons/", path, q, nil, &w)
	if err != nil {
		return nil, err
	}
	page := &PersonsPage{Next: deref(w.Next), Previous: deref(w.Previous), Count: w.Count, Results: make([]Person, 0, len(w.Results))}
	for i, wp := range w.Results {
		p, err := wp.person()
		if err != nil {
			return nil, fmt.Errorf("GET %s: unexpected response from PostHog (status %d): results[%d]: %v", path, status, i, err)
		}
		page.Results = append(page.Results, p)
	}
	return page, nil
}

// BatchByDistinctIDs looks persons up by distinct id (reference §4.4). The
// result is keyed by the requested distinct id; unknown ids are absent.
func (c *Client) BatchByDistinctIDs(ctx context.Context, projectID int64, distinctIDs []string) (map[string]Person, error) {
	ids := dedupe(distinctIDs)
	return c.batch(ctx, projectID, "batch_by_distinct_ids", "distinct_ids", ids, func(k string) string { return k })
}

// BatchByUUIDs looks persons up by UUID (reference §4.5). Inputs and result
// keys are normalised to lower-case canonical UUIDs; an invalid UUID is
// refused before calling (PostHog would reject the whole batch with 400).
func (c *Client) BatchByUUIDs(ctx context.Context, projectID int64, uuids []string) (map[string]Person, error) {
	norm := make([]string, 0, len(uuids))
	for _, s := range uuids {
		u, err := uuid.Parse(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("posthog: BatchByUUIDs: %q is not a valid UUID", s)
		}
		norm = append(norm, u.String())
	}
	return c.batch(ctx, projectID, "batch_by_uuids", "uuids", dedupe(norm), func(k string) string {
		if u, err := uuid.Parse(k); err == nil {
			return u.String()
		}
		return k
	})
}

// batch splits ids into chunks of MaxBatchLookup (PostHog silently ignores
// inputs past 200), calls sequentially and merges the results.
func (c *Client) batch(ctx context.Context, projectID int64, action, field string, ids []string, key func(string) string) (map[string]Person, error) {
	out := make(map[string]Person, len(ids))
	path := projectPath(projectID, "persons/"+action+"/")
	tmpl := "/api/projects/{project_id}/persons/" + action + "/"
	for start := 0; start < len(ids); start += MaxBatchLookup {
		chunk := ids[start:min(start+MaxBatchLookup, len(ids))]
		var w struct {
			Results map[string]wirePerson `json:"results"`
		}
		status, err := c.do(ctx, http.MethodPost, tmpl, path, nil, map[string][]string{field: chunk}, &w)
		if err != nil {
			return nil, err
		}
		for k, wp := range w.Results {
			p, err := wp.person()
			if err != nil {
				return nil, fmt.Errorf("POST %s: unexpected response from PostHog (status %d): result for a requested id: %v", path, status, err)
			}
			out[key(k)] = p
		}
	}
	return out, nil
}

func dedupe(in []string) []string {
	seen := make(map[string]struct{}, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if _, ok := seen[s]; ok {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	return out
}

// DeletePersonOptions are DELETE flags. PostHog tests them by presence of the
// query parameter, so ?delete_events=false would still delete events
// (reference §1.5, §4.3): only true flags are sent.
type DeletePersonOptions struct {
	DeleteEvents, DeleteRecordings, KeepPerson bool
}

// DeletePerson deletes one person (reference §4.3; success is 202 with an
// empty body). A retried DELETE whose first attempt did succeed answers 404,
// so callers should treat IsNotFound as "already gone".
func (c *Client) DeletePerson(ctx context.Context, projectID int64, personUUID string, opts DeletePersonOptions) error {
	id := strings.TrimSpace(personUUID)
	if id == "" {
		return errors.New("posthog: DeletePerson needs a person uuid")
	}
	if u, err := uuid.Parse(id); err == nil {
		id = u.String()
	}
	q := url.Values{}
	if opts.DeleteEvents {
		q.Set("delete_events", "true")
	}
	if opts.DeleteRecordings {
		q.Set("delete_recordings", "true")
	}
	if opts.KeepPerson {
		q.Set("keep_person", "true")
	}
	path := projectPath(projectID, "persons/"+url.PathEscape(id)+"/")
	_, err := c.do(ctx, http.MethodDelete, "/api/projects/{project_id}/persons/{id}/", path, q, nil, nil)
	return err
}
