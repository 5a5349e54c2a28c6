package emulator

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// isoTime renders a timestamp the way DRF does (isoformat, "+00:00" → "Z").
func isoTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

func isoTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return isoTime(*t)
}

// anonymousID is posthog/utils.py's ANONYMOUS_REGEX under re.match, whose "$"
// also matches before a final newline (docs/dev/posthog-behaviour.md#person-shapes).
var anonymousID = regexp.MustCompile(`^([a-z0-9]+-){4}[a-z0-9]+\n?$`)

// looksAnonymous is is_anonymous_id: it orders distinct ids and decides which
// one can be the display name (docs/dev/posthog-behaviour.md#person-shapes).
func looksAnonymous(id string) bool {
	return anonymousID.MatchString(id)
}

// displayName: the first truthy value of email, name, username (v-new default
// person_display_name_properties); else the first distinct id, preferring
// non-anonymous-looking ones; else the pk (docs/dev/posthog-behaviour.md#person-shapes).
func displayName(p *person) string {
	for _, k := range []string{"email", "name", "username"} {
		if v := p.props[k]; truthy(v) {
			return toString(v)
		}
	}
	for _, d := range p.distinctIDs {
		if !looksAnonymous(d) {
			return d
		}
	}
	if len(p.distinctIDs) > 0 {
		return p.distinctIDs[0]
	}
	return strconv.FormatInt(p.id, 10)
}

// recordDistinctIDs: non-anonymous-looking ids first, otherwise stored order (docs/dev/posthog-behaviour.md#person-shapes).
func recordDistinctIDs(p *person) []string {
	out := slices.Clone(p.distinctIDs)
	slices.SortStableFunc(out, func(a, b string) int {
		aa, ba := looksAnonymous(a), looksAnonymous(b)
		switch {
		case aa == ba:
			return 0
		case !aa:
			return -1
		}
		return 1
	})
	if out == nil {
		out = []string{}
	}
	return out
}

func propsOrEmpty(m map[string]any) map[string]any {
	// A copy: responses are encoded after the store lock is released.
	if m == nil {
		return map[string]any{}
	}
	return maps.Clone(m)
}

// personRecord is the retrieve shape, PersonSerializer (docs/dev/posthog-behaviour.md#person-shapes): integer id, no is_identified.
func personRecord(p *person) map[string]any {
	return map[string]any{
		"id":           p.id,
		"name":         displayName(p),
		"distinct_ids": recordDistinctIDs(p),
		"properties":   propsOrEmpty(p.props),
		"created_at":   isoTime(p.createdAt),
		"uuid":         p.uuid,
		"last_seen_at": isoTimePtr(p.lastSeenAt),
	}
}

// minimalPerson is the batch_by_* shape (docs/dev/posthog-behaviour.md#person-shapes): PersonRecord with at most 10 distinct ids.
func minimalPerson(p *person) map[string]any {
	m := personRecord(p)
	if ids, ok := m["distinct_ids"].([]string); ok && len(ids) > 10 {
		m["distinct_ids"] = ids[:10]
	}
	return m
}

// serializedPerson is the list shape, serialized_actors (docs/dev/posthog-behaviour.md#person-shapes): id is the uuid string.
func serializedPerson(p *person) map[string]any {
	ids := slices.Clone(p.distinctIDs)
	if len(ids) > 1000 {
		ids = ids[:1000]
	}
	if ids == nil {
		ids = []string{}
	}
	return map[string]any{
		"type":                "person",
		"id":                  p.uuid,
		"uuid":                p.uuid,
		"created_at":          isoTime(p.createdAt),
		"last_seen_at":        isoTimePtr(p.lastSeenAt),
		"properties":          propsOrEmpty(p.props),
		"is_identified":       p.isIdentified,
		"name":                displayName(p),
		"distinct_ids":        ids,
		"matched_recordings":  []any{},
		"value_at_data_point": nil,
	}
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		// Python str(True) is "True".
		if x {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(v)
}
