package emulator

import (
	"time"
)

// Funnel exclusions (FunnelsFilter.exclusions): an event that, done between
// two steps of a person's attempt, drops the person from the whole funnel
// (docs/dev/posthog-behaviour.md#funnels).

// funnelExclusion is a FunnelExclusionEventsNode: the event and the 0-based
// step range (from, to] whose gaps it excludes.
type funnelExclusion struct {
	entity   entity
	from, to int
}

// parseExclusions parses funnelsFilter.exclusions and applies PostHog's
// checks of them. spec.steps and spec.order must be parsed already.
func parseExclusions(loc string, raw any, spec *funnelSpec) ([]funnelExclusion, *queryError) {
	const model = "QueryRequest"
	list, _ := raw.([]any)
	var out []funnelExclusion
	for i, r := range list {
		eloc := loc + "." + itoa(i)
		m, ok := asObj(r)
		if !ok {
			return nil, qParse(model, eloc, "Input should be a valid dictionary or object [type=model_type]")
		}
		from, err := optInt(eloc, m, "funnelFromStep")
		if err != nil {
			return nil, err
		}
		to, err := optInt(eloc, m, "funnelToStep")
		if err != nil {
			return nil, err
		}
		if from == nil || to == nil {
			return nil, qParse(model, eloc+".funnelFromStep", "Field required [type=missing]")
		}
		node := jobj{}
		for k, v := range m {
			if k != "funnelFromStep" && k != "funnelToStep" {
				node[k] = v
			}
		}
		e, err := parseEntity(eloc, node)
		if err != nil {
			return nil, err
		}
		ex := funnelExclusion{entity: e, from: *from, to: *to}
		if err := ex.check(spec.steps, node["properties"] != nil); err != nil {
			return nil, err
		}
		out = append(out, ex)
	}
	if len(out) > 0 && spec.order != "ordered" {
		return nil, qUnsupported("funnel exclusions with funnelOrderType " + spec.order)
	}
	return out, nil
}

// check is PostHog's validation of one exclusion against the steps.
func (ex funnelExclusion) check(steps []entity, hasProperties bool) *queryError {
	switch {
	case ex.from >= ex.to:
		return qValidation("Exclusion event range is invalid. End of range should be greater than start.")
	case ex.from >= len(steps)-1:
		return qValidation("Exclusion event range is invalid. Start of range is greater than number of steps.")
	case ex.to > len(steps)-1:
		return qValidation("Exclusion event range is invalid. End of range is greater than number of steps.")
	}
	for _, st := range steps[max(ex.from, 0) : ex.to+1] {
		if !st.sameEventAs(ex.entity) {
			continue
		}
		if hasProperties {
			// PostHog also refuses an exclusion whose filters equal or
			// include a step's; the emulator does not compare filters.
			return qUnsupported("an exclusion on a step's event with property filters")
		}
		return qValidation("Exclusion steps cannot contain an event that's part of funnel steps.")
	}
	return nil
}

// excluded replays a person's events in time order the way PostHog's funnel
// function does for an ordered funnel: entered[k] is the entry time of the
// attempt that reached step k (1-based; entered[0] is the current event's
// time). An exclusion event for the gap before step k counts when an attempt
// has reached step k-1, not yet step k, and the event is within the window
// of that attempt's entry. Once an attempt completes the funnel, later
// events no longer matter.
func (spec *funnelSpec) excluded(evs []*event, p *person, windowEnd func(time.Time) time.Time) bool {
	if len(spec.exclusions) == 0 {
		return false
	}
	n := len(spec.steps)
	entered := make([]time.Time, n+1)
	for _, ev := range evs {
		entered[0] = ev.timestamp
		for _, ex := range spec.exclusions {
			if !ex.entity.match(ev, p) {
				continue
			}
			for k := ex.from + 2; k <= ex.to+1; k++ {
				if advances(entered, k, ev.timestamp, windowEnd) {
					return true
				}
			}
		}
		for k := n; k >= 1; k-- {
			if spec.steps[k-1].match(ev, p) && advances(entered, k, ev.timestamp, windowEnd) {
				entered[k] = entered[k-1]
			}
		}
		if !entered[n].IsZero() {
			return false
		}
	}
	return false
}

// advances reports whether an event at t continues the attempt that reached
// step k-1 into step k: that attempt exists, t is within its window, and it
// has not reached step k already.
func advances(entered []time.Time, k int, t time.Time, windowEnd func(time.Time) time.Time) bool {
	prev := entered[k-1]
	if prev.IsZero() || t.After(windowEnd(prev)) {
		return false
	}
	return !entered[k].Equal(prev)
}
