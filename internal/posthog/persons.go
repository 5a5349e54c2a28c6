package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// Person is a person in any of PostHog's three shapes
// (docs/dev/posthog-behaviour.md#person-shapes).
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
// the rest (docs/dev/posthog-behaviour.md#batch-lookups).
const MaxBatchLookup = 200

// wirePerson accepts all three shapes: id is an integer in PersonRecord and
// MinimalPerson but the UUID string in the list's SerializedPerson, and a missing
// person may come back with null id/name/created_at
// (docs/dev/posthog-behaviour.md#person-shapes).
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
			// raw is the server's text: not quoted (errors quote no raw server text).
			return p, fmt.Errorf("person id is neither an integer nor a string (JSON starting with %q)", raw[:1])
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

// BatchByDistinctIDs looks persons up by distinct id
// (docs/dev/posthog-behaviour.md#batch-lookups). The result is keyed by the
// requested distinct id; unknown ids are absent.
func (c *Client) BatchByDistinctIDs(ctx context.Context, projectID int64, distinctIDs []string) (map[string]Person, error) {
	ids := dedupe(distinctIDs)
	return c.batch(ctx, endpointBatchByDistinctIDs.at(projectID, ""), endpointBatchByDistinctIDs, "distinct_ids", ids, func(k string) string { return k })
}

// BatchByUUIDs looks persons up by UUID
// (docs/dev/posthog-behaviour.md#batch-lookups). Inputs and result keys are
// normalised to lower-case canonical UUIDs; an invalid UUID is refused before
// calling (PostHog would reject the whole batch with 400).
func (c *Client) BatchByUUIDs(ctx context.Context, projectID int64, uuids []string) (map[string]Person, error) {
	norm := make([]string, 0, len(uuids))
	for _, s := range uuids {
		u, err := uuid.Parse(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("posthog: BatchByUUIDs: %q is not a valid UUID", s)
		}
		norm = append(norm, u.String())
	}
	return c.batch(ctx, endpointBatchByUUIDs.at(projectID, ""), endpointBatchByUUIDs, "uuids", dedupe(norm), func(k string) string {
		if u, err := uuid.Parse(k); err == nil {
			return u.String()
		}
		return k
	})
}

// batch splits ids into chunks of MaxBatchLookup (PostHog silently ignores
// inputs past 200), calls sequentially and merges the results.
func (c *Client) batch(ctx context.Context, path string, ep endpoint, field string, ids []string, key func(string) string) (map[string]Person, error) {
	out := make(map[string]Person, len(ids))
	for start := 0; start < len(ids); start += MaxBatchLookup {
		chunk := ids[start:min(start+MaxBatchLookup, len(ids))]
		var w struct {
			Results map[string]wirePerson `json:"results"`
		}
		status, err := c.do(ctx, ep, path, nil, map[string][]string{field: chunk}, &w)
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
