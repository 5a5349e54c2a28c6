package posthog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
)

// This file reads a saved insight: its ids, its name and the query it
// stores (docs/dev/posthog-behaviour.md#saved-insights). The answer is
// checked against the question: the insight asked for, not deleted, with a
// query of a known shape and a bounded size.

// InsightRef names a saved insight by its numeric ID or by its ShortID (the
// id in the insight's URL, /insights/<short_id>); exactly one is set.
type InsightRef struct {
	ID      int64
	ShortID string
}

func (r InsightRef) String() string {
	if r.ShortID != "" {
		return "with short id " + strconv.Quote(r.ShortID)
	}
	return strconv.FormatInt(r.ID, 10)
}

// insightShortIDRE matches the short ids PostHog generates (8 letters and
// digits; the column holds up to 12).
var insightShortIDRE = regexp.MustCompile(`^[A-Za-z0-9]{1,12}$`)

// ValidInsightShortID reports whether s can be a saved insight's short id.
func ValidInsightShortID(s string) bool { return insightShortIDRE.MatchString(s) }

func (r InsightRef) validate() error {
	switch {
	case (r.ID != 0) == (r.ShortID != ""):
		return errors.New("posthog: an insight is named by its id or its short id, exactly one")
	case r.ID < 0:
		return fmt.Errorf("posthog: insight id %d is not an id", r.ID)
	case r.ShortID != "" && !ValidInsightShortID(r.ShortID):
		return fmt.Errorf("posthog: %q is not an insight short id (1 to 12 letters and digits)", r.ShortID)
	}
	return nil
}

// SavedInsight is what the client reads of a saved insight.
type SavedInsight struct {
	ID      int64
	ShortID string
	Name    string // name, else derived_name; cleaned like server text
	// Kind is the kind of the insight query: the InsightVizNode's source kind
	// (FunnelsQuery, LifecycleQuery, TrendsQuery, ...), or the stored query's
	// own kind when it is not an InsightVizNode.
	Kind string
	// Source is that insight query as PostHog stores it; the actors query
	// wraps it unchanged.
	Source json.RawMessage
	// What the provider checks a pick against, read from Source.
	Steps            int    // funnels: the number of series (steps)
	FunnelVizType    string // funnels: funnelsFilter.funnelVizType, "" when unset
	Breakdowns       int    // funnels: how many breakdowns (0, 1, or those of breakdownFilter.breakdowns)
	BreakdownType    string // funnels with one breakdown: its breakdown_type ("event" when unset)
	AggregatesGroups bool   // aggregation_group_type_index is set: the actors are groups
	AggregatesHogQL  bool   // funnelsFilter.funnelAggregateByHogQL is set
	Interval         string // lifecycles: interval ("day" when unset)
	DateFrom, DateTo string // dateRange
}

// InsightNotFoundError is Insight's error for an insight PostHog does not
// show: unknown, deleted (PostHog answers 404 for a deleted insight and
// leaves it out of lists), or in another project.
type InsightNotFoundError struct {
	ProjectID int64
	Ref       InsightRef
}

func (e *InsightNotFoundError) Error() string {
	return fmt.Sprintf("PostHog has no insight %s in project %d: it does not exist, is deleted, or belongs to another project", e.Ref, e.ProjectID)
}

// IsInsightNotFound reports an InsightNotFoundError.
func IsInsightNotFound(err error) bool {
	var nf *InsightNotFoundError
	return errors.As(err, &nf)
}

// maxInsightQueryBytes bounds the stored query the client accepts: it is
// sent back inside every actors query page.
const maxInsightQueryBytes = 1 << 20

// maxInsightName is PostHog's Insight.name max_length.
const maxInsightName = 400

// wireInsight is the part of an insight answer the client reads.
type wireInsight struct {
	ID          *int64          `json:"id"`
	ShortID     *string         `json:"short_id"`
	Name        *string         `json:"name"`
	DerivedName *string         `json:"derived_name"`
	Deleted     *bool           `json:"deleted"`
	Query       json.RawMessage `json:"query"`
}

// Insight reads a saved insight by id (GET insights/:id/) or short id (GET
// insights/?short_id=). Needs insight:read.
func (c *Client) Insight(ctx context.Context, projectID int64, ref InsightRef) (SavedInsight, error) {
	if err := ref.validate(); err != nil {
		return SavedInsight{}, err
	}
	notFound := &InsightNotFoundError{ProjectID: projectID, Ref: ref}
	var w wireInsight
	var path string
	if ref.ID != 0 {
		path = endpointInsight.at(projectID, strconv.FormatInt(ref.ID, 10))
		if _, err := c.do(ctx, endpointInsight, path, nil, nil, &w); err != nil {
			if hasStatus(err, http.StatusNotFound) {
				return SavedInsight{}, notFound
			}
			return SavedInsight{}, err
		}
	} else {
		path = endpointInsights.at(projectID, "")
		var err error
		if w, err = c.insightByShortID(ctx, path, ref.ShortID, notFound); err != nil {
			return SavedInsight{}, err
		}
	}
	if w.Deleted != nil && *w.Deleted {
		return SavedInsight{}, notFound
	}
	ins, err := c.savedInsight(w, ref)
	if err != nil {
		return SavedInsight{}, fmt.Errorf("GET %s: unexpected response from PostHog: %w", path, err)
	}
	return ins, nil
}

// insightByShortID lists the insights with the short id and picks the one
// that has it. An answer that holds other insights means the filter was not
// applied, and is refused rather than searched.
func (c *Client) insightByShortID(ctx context.Context, path, shortID string, notFound error) (wireInsight, error) {
	var list struct {
		Results []wireInsight `json:"results"`
	}
	if _, err := c.do(ctx, endpointInsights, path, url.Values{"short_id": {shortID}}, nil, &list); err != nil {
		return wireInsight{}, err
	}
	var found []wireInsight
	for _, w := range list.Results {
		if w.ShortID == nil || *w.ShortID != shortID {
			return wireInsight{}, fmt.Errorf("GET %s: unexpected response from PostHog: the list filtered on short_id %q holds "+
				"other insights; not guessing which is meant", path, shortID)
		}
		found = append(found, w)
	}
	switch len(found) {
	case 0:
		return wireInsight{}, notFound
	case 1:
		return found[0], nil
	}
	return wireInsight{}, fmt.Errorf("GET %s: unexpected response from PostHog: %d insights have short id %q", path, len(found), shortID)
}

// savedInsight checks an answer against ref and reads its query.
func (c *Client) savedInsight(w wireInsight, ref InsightRef) (SavedInsight, error) {
	switch {
	case w.ID == nil || *w.ID <= 0:
		return SavedInsight{}, errors.New("the insight has no id")
	case ref.ID != 0 && *w.ID != ref.ID:
		return SavedInsight{}, fmt.Errorf("asked for insight %d, got insight %d", ref.ID, *w.ID)
	case w.ShortID == nil || !ValidInsightShortID(*w.ShortID):
		return SavedInsight{}, fmt.Errorf("insight %d has no valid short id", *w.ID)
	case ref.ShortID != "" && *w.ShortID != ref.ShortID:
		return SavedInsight{}, fmt.Errorf("asked for the insight with short id %q, got %q", ref.ShortID, *w.ShortID)
	}
	ins := SavedInsight{ID: *w.ID, ShortID: *w.ShortID, Name: deref(w.Name)}
	if ins.Name == "" {
		ins.Name = deref(w.DerivedName)
	}
	ins.Name = c.redact.clean(ins.Name, maxInsightName)
	if err := ins.readQuery(w.Query); err != nil {
		return SavedInsight{}, fmt.Errorf("insight %d: %w", ins.ID, err)
	}
	return ins, nil
}

// ErrInsightWithoutQuery is the error for an insight that stores no query:
// one defined by legacy filters only.
var ErrInsightWithoutQuery = errors.New("the insight stores no query (it is defined by legacy filters only); " +
	"open it in PostHog and save it again so that PostHog stores its query")

// kindRE matches node kinds; anything else is not quoted back.
var kindRE = regexp.MustCompile(`^[A-Za-z]{1,64}$`)

// readQuery finds the insight query in the stored query
// (docs/dev/posthog-behaviour.md#saved-insights): an InsightVizNode's
// source, else the query itself.
func (ins *SavedInsight) readQuery(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return ErrInsightWithoutQuery
	case len(raw) > maxInsightQueryBytes:
		return fmt.Errorf("its query has %d bytes, more than the %d this provider accepts", len(raw), maxInsightQueryBytes)
	}
	var node struct {
		Kind   string          `json:"kind"`
		Source json.RawMessage `json:"source"`
	}
	if err := json.Unmarshal(raw, &node); err != nil {
		return errors.New("its query is not a JSON object with a kind")
	}
	source := raw
	if node.Kind == "InsightVizNode" {
		source = bytes.TrimSpace(node.Source)
		var inner struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(source, &inner); err != nil || !bytes.HasPrefix(source, []byte("{")) {
			return errors.New("its InsightVizNode has no source query")
		}
		node.Kind = inner.Kind
	}
	if !kindRE.MatchString(node.Kind) {
		return errors.New("its query has no kind")
	}
	ins.Kind, ins.Source = node.Kind, source
	return ins.readShape()
}

// insightShape is the part of an insight query a pick is checked against.
type insightShape struct {
	Series          []json.RawMessage `json:"series"`
	Interval        string            `json:"interval"`
	AggregationType *int              `json:"aggregation_group_type_index"`
	DateRange       *struct {
		DateFrom *string `json:"date_from"`
		DateTo   *string `json:"date_to"`
	} `json:"dateRange"`
	FunnelsFilter *struct {
		FunnelVizType          *string         `json:"funnelVizType"`
		FunnelAggregateByHogQL json.RawMessage `json:"funnelAggregateByHogQL"`
	} `json:"funnelsFilter"`
	BreakdownFilter *struct {
		Breakdown     json.RawMessage   `json:"breakdown"`
		BreakdownType *string           `json:"breakdown_type"`
		Breakdowns    []json.RawMessage `json:"breakdowns"`
	} `json:"breakdownFilter"`
}

// readShape fills the fields a pick is checked against. Only funnels and
// lifecycles are read; other kinds are refused by the caller by Kind.
func (ins *SavedInsight) readShape() error {
	if ins.Kind != "FunnelsQuery" && ins.Kind != "LifecycleQuery" {
		return nil
	}
	var s insightShape
	if err := json.Unmarshal(ins.Source, &s); err != nil {
		return fmt.Errorf("its %s does not have the expected shape", ins.Kind)
	}
	ins.Steps = len(s.Series)
	ins.AggregatesGroups = s.AggregationType != nil
	ins.Interval = s.Interval
	if ins.Interval == "" {
		ins.Interval = string(IntervalDay)
	}
	if s.DateRange != nil {
		ins.DateFrom, ins.DateTo = deref(s.DateRange.DateFrom), deref(s.DateRange.DateTo)
	}
	if f := s.FunnelsFilter; f != nil {
		ins.FunnelVizType = deref(f.FunnelVizType)
		ins.AggregatesHogQL = isSet(f.FunnelAggregateByHogQL)
	}
	if b := s.BreakdownFilter; b != nil {
		switch {
		case len(b.Breakdowns) > 0:
			ins.Breakdowns = len(b.Breakdowns)
		case isSet(b.Breakdown):
			ins.Breakdowns = 1
			ins.BreakdownType = deref(b.BreakdownType)
			if ins.BreakdownType == "" {
				ins.BreakdownType = "event"
			}
		}
	}
	return nil
}

// isSet reports a JSON value that is neither absent, null, "" nor [].
func isSet(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", `""`, "[]":
		return false
	}
	return true
}
