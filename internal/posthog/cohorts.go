package posthog

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// Cohort is a cohort the person belongs to. Count is the cohort's size
// (null when not computed), not membership (docs/dev/posthog-behaviour.md#cohorts).
type Cohort struct {
	ID    int64
	Name  string
	Count *int
}

// PersonCohorts lists the cohorts of a person (numeric pk or UUID). Needs
// person:read and cohort:read; an unknown person gives 404
// (docs/dev/posthog-behaviour.md#cohorts).
func (c *Client) PersonCohorts(ctx context.Context, projectID int64, personID string) ([]Cohort, error) {
	id := strings.TrimSpace(personID)
	if id == "" {
		// PostHog answers a missing person_id with a 500
		// (docs/dev/posthog-behaviour.md#cohorts).
		return nil, errors.New("posthog: PersonCohorts needs a person id")
	}
	var w struct {
		Results []struct {
			ID    int64   `json:"id"`
			Name  *string `json:"name"`
			Count *int    `json:"count"`
		} `json:"results"`
	}
	q := url.Values{"person_id": {id}}
	if _, err := c.do(ctx, endpointPersonCohorts, endpointPersonCohorts.at(projectID, ""), q, nil, &w); err != nil {
		return nil, err
	}
	out := make([]Cohort, 0, len(w.Results))
	for _, r := range w.Results {
		out = append(out, Cohort{ID: r.ID, Name: deref(r.Name), Count: r.Count})
	}
	return out, nil
}
