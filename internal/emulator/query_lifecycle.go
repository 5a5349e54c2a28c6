package emulator

import (
	"slices"
	"sort"
	"strconv"
	"time"
)

// lifecycleSpec is a parsed LifecycleQuery plus the InsightActorsQuery selectors.
type lifecycleSpec struct {
	series []entity
	props  *pfilter
	// testAccounts: filterTestAccounts, AND the team's test-account filters into props
	testAccounts bool
	interval     string
	from, to     time.Time
	day          *string // nil = every period
	status       *string // nil = every status
}

var lifecycleKeys = []string{"series", "interval", "dateRange", "properties", "filterTestAccounts",
	"aggregation_group_type_index", "samplingFactor", "lifecycleFilter", "customAggregationTarget", "dataColorTheme"}

// parseLifecycleQuery parses a LifecycleQuery (docs/dev/posthog-behaviour.md#lifecycle).
func (c teamClock) parseLifecycleQuery(loc string, m jobj) (*lifecycleSpec, *queryError) {
	const model = "QueryRequest"
	if err := checkKeys(model, loc, m, lifecycleKeys...); err != nil {
		return nil, err
	}
	if v, ok := m["aggregation_group_type_index"]; ok && v != nil {
		return nil, qUnsupported("group aggregation (aggregation_group_type_index)")
	}
	spec := &lifecycleSpec{interval: "day"}
	spec.testAccounts, _ = m["filterTestAccounts"].(bool)
	iv, err := optString(model, loc, m, "interval")
	if err != nil {
		return nil, err
	}
	if iv != nil {
		if !slices.Contains(intervals, *iv) {
			return nil, qParse(model, loc+".interval", "Input should be 'second', 'minute', 'hour', 'day', 'week' or 'month' [type=enum]")
		}
		spec.interval = *iv
	}
	rawSeries, ok := m["series"].([]any)
	if !ok {
		if _, present := m["series"]; !present {
			return nil, qParse(model, loc+".series", "Field required [type=missing]")
		}
		return nil, qParse(model, loc+".series", "Input should be a valid list [type=list_type]")
	}
	for i, raw := range rawSeries {
		e, err := parseEntity(loc+".series."+itoa(i), raw)
		if err != nil {
			return nil, err
		}
		spec.series = append(spec.series, e)
	}
	if spec.props, err = parsePFilters(querySyntax, loc+".properties", m["properties"]); err != nil {
		return nil, err
	}
	if spec.from, spec.to, err = c.dateRange(model, loc+".dateRange", m["dateRange"]); err != nil {
		return nil, err
	}
	return spec, nil
}

type lifecycleEntry struct {
	period time.Time
	status string
}

// lifecycleEntries computes every (period, status) of every actor (docs/dev/posthog-behaviour.md#lifecycle).
// s.mu must be held.
func (s *Server) lifecycleEntries(c teamClock, spec *lifecycleSpec) map[string][]lifecycleEntry {
	lo := addInterval(c.trunc(spec.from, spec.interval), spec.interval, -1)
	hi := addInterval(c.trunc(spec.to, spec.interval), spec.interval, 1)
	active := map[string]map[time.Time]bool{}
	props := s.insightFilter(spec.props, spec.testAccounts)
	for _, ev := range s.st.events {
		if ev.timestamp.Before(lo) || !ev.timestamp.Before(hi) {
			continue
		}
		if pstr(ev.props["$process_person_profile"]) == "false" {
			continue
		}
		p := s.st.hogqlPerson(ev.personUUID)
		if p == nil {
			continue // the events-to-persons join drops deleted persons' events
		}
		ok := props.match(ev.props, p)
		for _, e := range spec.series { // every series is AND-ed into one filter
			ok = ok && e.match(ev, p)
		}
		if !ok {
			continue
		}
		if active[p.uuid] == nil {
			active[p.uuid] = map[time.Time]bool{}
		}
		active[p.uuid][c.trunc(ev.timestamp, spec.interval).UTC()] = true
	}
	out := map[string][]lifecycleEntry{}
	for id, set := range active {
		periods := make([]time.Time, 0, len(set))
		for t := range set {
			periods = append(periods, t)
		}
		sort.Slice(periods, func(i, j int) bool { return periods[i].Before(periods[j]) })
		created := c.trunc(s.st.persons[id].createdAt, spec.interval).UTC()
		var entries []lifecycleEntry
		for i, cur := range periods {
			prev := created
			if i > 0 {
				prev = periods[i-1]
			}
			status := "resurrecting"
			switch {
			case prev.Equal(cur):
				status = "new"
			case i > 0 && addInterval(cur.In(c.loc), spec.interval, -1).Equal(prev):
				status = "returning"
			}
			entries = append(entries, lifecycleEntry{cur, status})
			next := addInterval(cur.In(c.loc), spec.interval, 1).UTC()
			if i == len(periods)-1 || !periods[i+1].Equal(next) {
				entries = append(entries, lifecycleEntry{next, "dormant"})
			}
		}
		out[id] = entries
	}
	return out
}

// lifecycleActors returns the distinct actors matching day/status, in uuid order.
// s.mu must be held.
func (s *Server) lifecycleActors(c teamClock, spec *lifecycleSpec) ([]string, *queryError) {
	var day time.Time
	if spec.day != nil {
		d, ok := c.parseDate(*spec.day, false, true)
		if !ok {
			// toDateTime() of an unparsable string fails in ClickHouse (exact error UNVERIFIED).
			return nil, qValidation("Cannot parse day: " + *spec.day)
		}
		day = c.trunc(d, spec.interval).UTC()
	}
	var out []string
	for id, entries := range s.lifecycleEntries(c, spec) {
		for _, e := range entries {
			if (spec.day == nil || e.period.Equal(day)) && (spec.status == nil || e.status == *spec.status) {
				out = append(out, id)
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// parseInsightActors parses InsightActorsQuery over a LifecycleQuery (docs/dev/posthog-behaviour.md#lifecycle).
func (c teamClock) parseInsightActors(loc string, m jobj) (*lifecycleSpec, *queryError) {
	const model = "QueryRequest"
	if err := checkKeys(model, loc, m, "source", "day", "status", "interval", "series", "breakdown",
		"compare", "includeRecordings"); err != nil {
		return nil, err
	}
	src, err := reqSource(loc, m)
	if err != nil {
		return nil, err
	}
	kind, _ := src["kind"].(string)
	switch kind {
	case "LifecycleQuery":
	case "TrendsQuery", "RetentionQuery", "PathsQuery", "StickinessQuery", "FunnelsQuery", "WebStatsTableQuery",
		"WebOverviewQuery":
		return nil, qUnsupported("InsightActorsQuery over " + kind)
	default:
		return nil, qParse(model, loc+".source", "Input tag '"+kind+"' found using 'kind' does not match any of the expected tags [type=union_tag_invalid]")
	}
	spec, err := c.parseLifecycleQuery(loc+".source", src)
	if err != nil {
		return nil, err
	}
	switch d := m["day"].(type) {
	case nil:
	case string:
		spec.day = &d
	case float64:
		ds := strconv.FormatFloat(d, 'f', -1, 64)
		spec.day = &ds
	default:
		return nil, qParse(model, loc+".day", "Input should be a valid string [type=string_type]")
	}
	if spec.status, err = optString(model, loc, m, "status"); err != nil {
		return nil, err
	}
	return spec, nil
}
