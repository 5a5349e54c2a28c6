package emulator

import (
	"slices"
	"sort"
	"strconv"
	"time"
)

// funnelSpec is a parsed FunnelsQuery (docs/dev/posthog-behaviour.md#funnels).
type funnelSpec struct {
	steps []entity
	props *pfilter
	// testAccounts: filterTestAccounts, AND the team's test-account filters into props
	testAccounts bool
	from, to     time.Time
	windowN      int
	windowUnit   string
	order        string // ordered | strict | unordered
	exclusions   []funnelExclusion
	breakdown    *breakdownSpec
}

type breakdownSpec struct {
	typ         string   // event | person
	keys        []string // property names
	attribution string   // first_touch | last_touch
}

// funnelActor is one entrant: the furthest attempt of the person (docs/dev/posthog-behaviour.md#funnels).
type funnelActor struct {
	id        string
	steps     int
	first     time.Time
	final     *time.Time // set only when every step was reached
	breakdown []string
}

var funnelsQueryKeys = []string{"series", "dateRange", "interval", "properties", "filterTestAccounts",
	"aggregation_group_type_index", "samplingFactor", "breakdownFilter", "compareFilter", "funnelsFilter",
	"dataColorTheme"}

var windowUnits = []string{"second", "minute", "hour", "day", "week", "month"}

// parseFunnelsQuery parses a FunnelsQuery.
func (c teamClock) parseFunnelsQuery(loc string, m jobj) (*funnelSpec, *queryError) {
	const model = "QueryRequest"
	if kind, _ := m["kind"].(string); kind != "FunnelsQuery" {
		return nil, qParse(model, loc+".kind", "Input should be 'FunnelsQuery' [type=literal_error]")
	}
	if err := checkKeys(model, loc, m, funnelsQueryKeys...); err != nil {
		return nil, err
	}
	if v, ok := m["aggregation_group_type_index"]; ok && v != nil {
		return nil, qUnsupported("group aggregation (aggregation_group_type_index)")
	}
	if cf, ok := asObj(m["compareFilter"]); ok && truthy(cf["compare"]) {
		return nil, qUnsupported("compareFilter on funnels")
	}
	spec := &funnelSpec{windowN: 14, windowUnit: "day", order: "ordered"}
	spec.testAccounts, _ = m["filterTestAccounts"].(bool)
	raw, ok := m["series"].([]any)
	if !ok {
		if _, present := m["series"]; !present {
			return nil, qParse(model, loc+".series", "Field required [type=missing]")
		}
		return nil, qParse(model, loc+".series", "Input should be a valid list [type=list_type]")
	}
	for i, r := range raw {
		e, err := parseEntity(loc+".series."+itoa(i), r)
		if err != nil {
			return nil, err
		}
		spec.steps = append(spec.steps, e)
	}
	var err *queryError
	if spec.props, err = parsePFilters(querySyntax, loc+".properties", m["properties"]); err != nil {
		return nil, err
	}
	if spec.from, spec.to, err = c.dateRange(model, loc+".dateRange", m["dateRange"]); err != nil {
		return nil, err
	}
	attribution := "first_touch"
	if ff, ok := asObj(m["funnelsFilter"]); ok {
		floc := loc + ".funnelsFilter"
		if n, err := optInt(floc, ff, "funnelWindowInterval"); err != nil {
			return nil, err
		} else if n != nil {
			spec.windowN = *n
		}
		if u, err := optString(model, floc, ff, "funnelWindowIntervalUnit"); err != nil {
			return nil, err
		} else if u != nil {
			if !slices.Contains(windowUnits, *u) {
				return nil, qParse(model, floc+".funnelWindowIntervalUnit", "Input should be 'second', 'minute', 'hour', 'day', 'week' or 'month' [type=enum]")
			}
			spec.windowUnit = *u
		}
		if o, err := optString(model, floc, ff, "funnelOrderType"); err != nil {
			return nil, err
		} else if o != nil {
			if !slices.Contains([]string{"strict", "unordered", "ordered"}, *o) {
				return nil, qParse(model, floc+".funnelOrderType", "Input should be 'strict', 'unordered' or 'ordered' [type=enum]")
			}
			spec.order = *o
		}
		if v, _ := ff["funnelVizType"].(string); v == "trends" || v == "time_to_convert" {
			return nil, qUnsupported("funnel actors for funnelVizType " + strconv.Quote(v))
		}
		if spec.exclusions, err = parseExclusions(floc+".exclusions", ff["exclusions"], spec); err != nil {
			return nil, err
		}
		if a, _ := ff["breakdownAttributionType"].(string); a != "" {
			attribution = a
		}
	}
	if bf, ok := asObj(m["breakdownFilter"]); ok {
		if bs, _ := bf["breakdowns"].([]any); len(bs) > 0 {
			return nil, qUnsupported("multiple breakdowns (breakdownFilter.breakdowns)")
		}
		if b := bf["breakdown"]; b != nil {
			typ, _ := bf["breakdown_type"].(string)
			if typ == "" {
				typ = "event"
			}
			if typ != "event" && typ != "person" {
				return nil, qUnsupported("funnel breakdowns of type " + strconv.Quote(typ))
			}
			bd := &breakdownSpec{typ: typ, attribution: attribution}
			switch x := b.(type) {
			case string:
				bd.keys = []string{x}
			case []any:
				for _, k := range x {
					bd.keys = append(bd.keys, pstr(k))
				}
			default:
				return nil, qUnsupported("non-property breakdowns")
			}
			if attribution != "first_touch" && attribution != "last_touch" {
				return nil, qUnsupported("breakdownAttributionType " + strconv.Quote(attribution))
			}
			spec.breakdown = bd
		}
	}
	if len(spec.steps) < 2 {
		// The funnel runners refuse single-step funnels (wording UNVERIFIED).
		return nil, qValidation("Funnels require at least two steps before calculating.")
	}
	return spec, nil
}

// funnelsActorsRequest is a parsed FunnelsActorsQuery.
type funnelsActorsRequest struct {
	spec      *funnelSpec
	step      *int
	breakdown any // funnelStepBreakdown; nil = any
}

func (c teamClock) parseFunnelsActors(loc string, m jobj) (*funnelsActorsRequest, *queryError) {
	const model = "QueryRequest"
	if kind, _ := m["kind"].(string); kind != "FunnelsActorsQuery" {
		return nil, qParse(model, loc+".kind", "Input should be 'FunnelsActorsQuery' [type=literal_error]")
	}
	if err := checkKeys(model, loc, m, "source", "funnelStep", "funnelStepBreakdown", "funnelTrendsDropOff",
		"funnelTrendsEntrancePeriodStart", "compare", "includeRecordings"); err != nil {
		return nil, err
	}
	src, err := reqSource(loc, m)
	if err != nil {
		return nil, err
	}
	spec, err := c.parseFunnelsQuery(loc+".source", src)
	if err != nil {
		return nil, err
	}
	step, err := optInt(loc, m, "funnelStep")
	if err != nil {
		return nil, err
	}
	if m["funnelTrendsDropOff"] != nil || m["funnelTrendsEntrancePeriodStart"] != nil {
		return nil, qUnsupported("funnel trends actors (funnelTrendsDropOff, funnelTrendsEntrancePeriodStart)")
	}
	return &funnelsActorsRequest{spec: spec, step: step, breakdown: m["funnelStepBreakdown"]}, nil
}

// checkStep validates a funnel step number: 0 is refused as a validation error,
// UNVERIFIED (docs/dev/posthog-behaviour.md#funnels); -1 raises ValueError("Missing prior required step in
// actors query") in PostHog, an unhandled 500 (docs/dev/posthog-behaviour.md#query-api).
func checkStep(step int) *queryError {
	switch step {
	case 0:
		return qValidation("funnelStep must be a non-zero, 1-based step number")
	case -1:
		return qServer()
	}
	return nil
}

// funnelsActorsQuery runs FunnelsActorsQuery (docs/dev/posthog-behaviour.md#funnels). s.mu held.
func (s *Server) funnelsActorsQuery(c teamClock, loc string, m jobj) ([]string, *queryError) {
	req, err := c.parseFunnelsActors(loc, m)
	if err != nil {
		return nil, err
	}
	if err := s.bindFunnel(req.spec); err != nil {
		return nil, err
	}
	return s.funnelActorsFor(c, req)
}

// reachedStep: k > 0 = completed step k; -k = completed step k-1 but not k.
func reachedStep(fa funnelActor, step int) bool {
	if step > 0 {
		return fa.steps >= step
	}
	return fa.steps == -step-1
}

// breakdownMatches compares arrayFlatten(array(breakdown)) with the wanted value
// (docs/dev/posthog-behaviour.md#funnels), numbers stringified.
func breakdownMatches(fa funnelActor, want any) bool {
	if want == nil {
		return true
	}
	var w []string
	if list, ok := want.([]any); ok {
		for _, v := range list {
			w = append(w, pstr(v))
		}
	} else {
		w = []string{pstr(want)}
	}
	return slices.Equal(fa.breakdown, w)
}

// personEvents groups, per actor, the events in [from, to] that pass the
// funnel's global properties, in time order. s.mu held.
func (s *Server) personEvents(from, to time.Time, global *pfilter) map[string][]*event {
	out := map[string][]*event{}
	for _, ev := range s.st.events {
		if ev.timestamp.Before(from) || ev.timestamp.After(to) {
			continue
		}
		if !global.match(ev.props, s.st.persons[ev.personUUID]) {
			continue
		}
		out[ev.personUUID] = append(out[ev.personUUID], ev)
	}
	for _, evs := range out {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].timestamp.Before(evs[j].timestamp) })
	}
	return out
}

// runFunnel computes every entrant's furthest attempt, in actor-id order
// (aggregation_target ASC). Ties between equally far attempts keep the earliest.
// s.mu held.
func (s *Server) runFunnel(c teamClock, spec *funnelSpec) []funnelActor {
	windowEnd := func(t time.Time) time.Time {
		return addInterval(t.In(c.loc), spec.windowUnit, spec.windowN).UTC()
	}
	n := len(spec.steps)
	var out []funnelActor
	for id, evs := range s.personEvents(spec.from, spec.to, s.insightFilter(spec.props, spec.testAccounts)) {
		p := s.st.persons[id]
		if spec.excluded(evs, p, windowEnd) {
			continue
		}
		matches := func(k int, ev *event) bool { return spec.steps[k].match(ev, p) }
		best := funnelActor{id: id}
		var bestFirst, bestLast *event
		for i, e1 := range evs {
			var reached int
			var last *event
			switch spec.order {
			case "unordered":
				reached, last = unorderedAttempt(evs, i, n, windowEnd(e1.timestamp), matches)
			case "strict":
				if !matches(0, e1) {
					continue
				}
				reached, last = 1, e1
				end := windowEnd(e1.timestamp)
				for k := 1; k < n; k++ {
					j := i + k
					if j >= len(evs) || evs[j].timestamp.After(end) || !matches(k, evs[j]) {
						break
					}
					reached, last = k+1, evs[j]
				}
			default: // ordered
				if !matches(0, e1) {
					continue
				}
				reached, last = 1, e1
				end := windowEnd(e1.timestamp)
				pos := i
				for k := 1; k < n; k++ {
					found := -1
					for j := pos + 1; j < len(evs) && !evs[j].timestamp.After(end); j++ {
						if !matches(k, evs[j]) {
							continue
						}
						if spec.steps[k].sameEventAs(spec.steps[k-1]) && !evs[j].timestamp.After(last.timestamp) {
							continue // consecutive identical steps need strictly later events
						}
						found = j
						break
					}
					if found < 0 {
						break
					}
					reached, last, pos = k+1, evs[found], found
				}
			}
			if reached > best.steps {
				best.steps, bestFirst, bestLast = reached, e1, last
			}
		}
		if best.steps == 0 {
			continue
		}
		best.first = bestFirst.timestamp
		if best.steps == n {
			t := bestLast.timestamp
			best.final = &t
		}
		if spec.breakdown != nil {
			best.breakdown = spec.breakdownValue(evs, p, matches)
		}
		out = append(out, best)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// unorderedAttempt counts the distinct steps done from evs[i] (which must match
// some step) up to end; each event fills at most one step, greedily in time order.
func unorderedAttempt(evs []*event, i, n int, end time.Time, matches func(int, *event) bool) (int, *event) {
	done := make([]bool, n)
	count := 0
	var last *event
	for j := i; j < len(evs) && !evs[j].timestamp.After(end); j++ {
		for k := 0; k < n; k++ {
			if !done[k] && matches(k, evs[j]) {
				done[k] = true
				count++
				last = evs[j]
				break
			}
		}
		if j == i && count == 0 {
			return 0, nil // an attempt starts at a step event
		}
	}
	return count, last
}

// breakdownValue is a person's breakdown value in a funnel
// (docs/dev/posthog-behaviour.md#funnel-breakdowns): each of the person's
// step events reads the breakdown properties as text, a missing one as "";
// first_touch takes the earliest of those events with a non-empty value,
// last_touch the latest, and a person without one gets "" for every
// property. A person breakdown reads the person's properties on every event.
func (spec *funnelSpec) breakdownValue(evs []*event, p *person, matches func(int, *event) bool) []string {
	bd := spec.breakdown
	read := func(ev *event) []string {
		src := ev.props
		if bd.typ == "person" {
			src = nil
			if p != nil {
				src = p.props
			}
		}
		out := make([]string, len(bd.keys))
		for i, k := range bd.keys {
			out[i] = pstr(src[k])
		}
		return out
	}
	var found []string
	for _, ev := range evs {
		if !spec.isStepEvent(ev, matches) {
			continue
		}
		v := read(ev)
		if !slices.ContainsFunc(v, func(s string) bool { return s != "" }) {
			continue
		}
		found = v
		if bd.attribution == "first_touch" {
			break
		}
	}
	if found == nil {
		found = make([]string, len(bd.keys))
	}
	return found
}

// isStepEvent tells whether an event matches one of the funnel's steps.
func (spec *funnelSpec) isStepEvent(ev *event, matches func(int, *event) bool) bool {
	for k := range spec.steps {
		if matches(k, ev) {
			return true
		}
	}
	return false
}
