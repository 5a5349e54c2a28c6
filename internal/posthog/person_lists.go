package posthog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
)

// PersonList is a listing of persons, at most the limit asked for. HasMore
// says whether PostHog had more.
type PersonList struct {
	Persons []Person
	HasMore bool
}

// CohortDeletedError is CohortPersons' error for a cohort that is soft
// deleted: PostHog still answers its persons until a background job removes
// them (docs/dev/posthog-behaviour.md#cohorts), so the client refuses instead.
type CohortDeletedError struct {
	ID   int64
	Name string
}

func (e *CohortDeletedError) Error() string {
	return fmt.Sprintf("cohort %d (%q) is deleted", e.ID, e.Name)
}

// IsCohortDeleted reports a CohortDeletedError.
func IsCohortDeleted(err error) bool {
	var d *CohortDeletedError
	return errors.As(err, &d)
}

// CohortPersons lists up to limit persons of a cohort, static or dynamic,
// pageSize at a time. It reads the cohort first: an unknown cohort is a 404
// APIError, a deleted one a CohortDeletedError. Needs cohort:read and
// person:read (docs/dev/posthog-behaviour.md#cohorts).
func (c *Client) CohortPersons(ctx context.Context, projectID, cohortID int64, limit, pageSize int) (PersonList, error) {
	if err := checkListBounds(limit, pageSize); err != nil {
		return PersonList{}, err
	}
	id := strconv.FormatInt(cohortID, 10)
	var cohort struct {
		Name    *string `json:"name"`
		Deleted bool    `json:"deleted"`
	}
	if _, err := c.do(ctx, endpointCohort, endpointCohort.at(projectID, id), nil, nil, &cohort); err != nil {
		return PersonList{}, err
	}
	if cohort.Deleted {
		return PersonList{}, &CohortDeletedError{ID: cohortID, Name: deref(cohort.Name)}
	}
	return c.offsetPages(ctx, endpointCohortPersons, endpointCohortPersons.at(projectID, id), nil, limit, pageSize)
}

// maxValuesPerRequest bounds how many values one persons-list request
// filters on, so that the query string stays short.
const maxValuesPerRequest = 50

// PersonsByProperty lists up to limit persons whose person property key
// equals one of values exactly (case-sensitive), through the persons list's
// properties filter (docs/dev/posthog-behaviour.md#cohorts, "Persons by a
// property value"). Values
// are sent in groups of maxValuesPerRequest; a person matched by two groups
// is listed once.
func (c *Client) PersonsByProperty(ctx context.Context, projectID int64, key string, values []string, limit, pageSize int) (PersonList, error) {
	if err := checkListBounds(limit, pageSize); err != nil {
		return PersonList{}, err
	}
	if key == "" {
		return PersonList{}, errors.New("posthog: PersonsByProperty needs a property key")
	}
	values = dedupe(values)
	var out PersonList
	seen := map[string]bool{}
	for start := 0; start < len(values) && !out.HasMore; start += maxValuesPerRequest {
		group := values[start:min(start+maxValuesPerRequest, len(values))]
		filter, err := json.Marshal([]map[string]any{{"key": key, "value": group, "operator": "exact", "type": "person"}})
		if err != nil {
			return out, fmt.Errorf("posthog: encoding the property filter: %w", err)
		}
		page, err := c.offsetPages(ctx, endpointPersonsList, endpointPersonsList.at(projectID, ""),
			url.Values{"properties": {string(filter)}}, limit-len(out.Persons), pageSize)
		if err != nil {
			return out, err
		}
		out.Persons = appendNew(out.Persons, page.Persons, seen)
		out.HasMore = page.HasMore || len(out.Persons) > limit
	}
	out.Persons = out.Persons[:min(len(out.Persons), limit)]
	return out, nil
}

func checkListBounds(limit, pageSize int) error {
	if limit < 1 || pageSize < 1 {
		return fmt.Errorf("posthog: a person listing needs a positive limit and page size (got %d and %d)", limit, pageSize)
	}
	return nil
}

// offsetPages pages through a limit/offset listing of persons until it has
// limit of them. Pages ask for up to limit+1 persons in all: one person past
// the limit proves there are more, which PostHog's next link does not (it
// links a next page whenever a page is full) (docs/dev/posthog-behaviour.md#pagination,
// docs/dev/posthog-behaviour.md#cohorts).
func (c *Client) offsetPages(ctx context.Context, ep endpoint, path string, query url.Values, limit, pageSize int) (PersonList, error) {
	var out PersonList
	seen := map[string]bool{}
	offset := 0
	budget := pageBudget(limit+1, pageSize)
	for pages := 1; ; pages++ {
		if pages > budget {
			return out, errNotAdvancing(fmt.Sprintf("still sending full pages after %d persons, %d at a time, were asked for", limit+1, pageSize), pages-1)
		}
		want := min(pageSize, limit+1-len(out.Persons))
		persons, next, err := c.personsPage(ctx, ep, path, query, want, offset)
		if err != nil {
			return out, err
		}
		before := len(out.Persons)
		out.Persons = appendNew(out.Persons, persons, seen)
		if len(persons) > 0 && len(out.Persons) == before {
			return out, errNotAdvancing("a page held only persons already listed", pages)
		}
		// PostHog's next link is offset + limit, whatever the page held: a
		// person whose row is missing shortens a page without ending the list.
		offset += want
		if len(out.Persons) > limit {
			out.HasMore = true
			break
		}
		if !next {
			break
		}
	}
	out.Persons = out.Persons[:min(len(out.Persons), limit)]
	return out, nil
}

// personsPage requests one page: its persons, and whether PostHog linked a
// next page.
func (c *Client) personsPage(ctx context.Context, ep endpoint, path string, query url.Values, limit, offset int) ([]Person, bool, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("offset", strconv.Itoa(offset))
	var w struct {
		Results []wirePerson `json:"results"`
		Next    *string      `json:"next"`
	}
	status, err := c.do(ctx, ep, path, q, nil, &w)
	if err != nil {
		return nil, false, err
	}
	persons := make([]Person, 0, len(w.Results))
	for _, wp := range w.Results {
		p, err := wp.person()
		if err != nil {
			return nil, false, fmt.Errorf("GET %s: unexpected response from PostHog (status %d): %v", path, status, err)
		}
		if p.UUID == "" {
			return nil, false, fmt.Errorf("GET %s: unexpected response from PostHog (status %d): a person without a UUID", path, status)
		}
		persons = append(persons, p)
	}
	return persons, w.Next != nil && *w.Next != "", nil
}
