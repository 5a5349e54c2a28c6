package emulator

import (
	"slices"
	"sort"
)

// correlationRequest is a parsed FunnelCorrelationActorsQuery (docs/dev/posthog-behaviour.md#funnel-correlation).
type correlationRequest struct {
	funnel      *funnelsActorsRequest
	corrType    string   // events | properties | event_with_properties
	converted   *bool    // nil = both
	entity      *entity  // events types
	propValues  *pfilter // properties type
	entitySet   bool
	propsGiven  bool
	entityNotEv bool // an ActionsNode/DataWarehouseNode entity (the runner asserts EventsNode)
}

func (c teamClock) parseCorrelationActors(loc string, m jobj) (*correlationRequest, *queryError) {
	const model = "QueryRequest"
	if err := checkKeys(model, loc, m, "source", "funnelCorrelationPersonConverted", "funnelCorrelationPersonEntity",
		"funnelCorrelationPropertyValues", "includeRecordings"); err != nil {
		return nil, err
	}
	src, err := reqSource(loc, m)
	if err != nil {
		return nil, err
	}
	sloc := loc + ".source"
	if kind, _ := src["kind"].(string); kind != "FunnelCorrelationQuery" {
		return nil, qParse(model, sloc+".kind", "Input should be 'FunnelCorrelationQuery' [type=literal_error]")
	}
	if err := checkKeys(model, sloc, src, "source", "funnelCorrelationType", "funnelCorrelationExcludeEventNames",
		"funnelCorrelationEventNames", "funnelCorrelationEventExcludePropertyNames", "funnelCorrelationNames",
		"funnelCorrelationExcludeNames"); err != nil {
		return nil, err
	}
	req := &correlationRequest{}
	ct, err := optString(model, sloc, src, "funnelCorrelationType")
	if err != nil {
		return nil, err
	}
	if ct == nil {
		return nil, qParse(model, sloc+".funnelCorrelationType", "Field required [type=missing]")
	}
	if !slices.Contains([]string{"events", "properties", "event_with_properties"}, *ct) {
		return nil, qParse(model, sloc+".funnelCorrelationType", "Input should be 'events', 'properties' or 'event_with_properties' [type=enum]")
	}
	req.corrType = *ct
	fsrc, err := reqSource(sloc, src)
	if err != nil {
		return nil, err
	}
	if req.funnel, err = c.parseFunnelsActors(sloc+".source", fsrc); err != nil {
		return nil, err
	}
	if req.converted, err = optBool(model, loc, m, "funnelCorrelationPersonConverted"); err != nil {
		return nil, err
	}
	if raw := m["funnelCorrelationPersonEntity"]; raw != nil {
		req.entitySet = true
		em, ok := asObj(raw)
		if !ok {
			return nil, qParse(model, loc+".funnelCorrelationPersonEntity", "Input should be a valid dictionary or object [type=model_type]")
		}
		if kind, _ := em["kind"].(string); kind == "ActionsNode" || kind == "DataWarehouseNode" {
			req.entityNotEv = true
		} else {
			e, err := parseEntity(loc+".funnelCorrelationPersonEntity", em)
			if err != nil {
				return nil, err
			}
			req.entity = &e
		}
	}
	if raw := m["funnelCorrelationPropertyValues"]; raw != nil {
		if list, ok := raw.([]any); ok && len(list) > 0 {
			req.propsGiven = true
		}
		if req.propValues, err = parsePFilters(querySyntax, loc+".funnelCorrelationPropertyValues", raw); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// correlationActorsQuery runs FunnelCorrelationActorsQuery. s.mu held.
func (s *Server) correlationActorsQuery(c teamClock, loc string, m jobj) ([]string, *queryError) {
	req, err := c.parseCorrelationActors(loc, m)
	if err != nil {
		return nil, err
	}
	if err := s.bindFunnel(req.funnel.spec); err != nil {
		return nil, err
	}
	if req.entity != nil {
		if err := s.st.bindEntity(req.entity, missingActionInFunnel); err != nil {
			return nil, err
		}
	}
	if err := s.st.bindFilter(req.propValues); err != nil {
		return nil, err
	}
	return s.correlationActors(c, req)
}

// correlationActors computes the correlation persons (docs/dev/posthog-behaviour.md#funnel-correlation). s.mu held.
func (s *Server) correlationActors(c teamClock, req *correlationRequest) ([]string, *queryError) {
	spec := *req.funnel.spec
	base := 1
	if req.funnel.step != nil {
		base = *req.funnel.step
		if err := checkStep(base); err != nil {
			return nil, err
		}
	}
	switch req.corrType {
	case "properties":
		if !req.propsGiven {
			return nil, qValidation("Property Correlation expects atleast one Property to get persons for")
		}
		spec.props = andFilters(spec.props, req.propValues)
	default:
		if !req.entitySet {
			return nil, qValidation("No entity for persons specified")
		}
		if req.entityNotEv {
			return nil, qServer() // assert isinstance(entity, EventsNode)
		}
	}
	n := len(spec.steps)
	var out []string
	for _, fa := range s.runFunnel(c, &spec) {
		if !reachedStep(fa, base) || !breakdownMatches(fa, req.funnel.breakdown) {
			continue
		}
		// With converted null the properties type is ambiguous in PostHog,
		// UNVERIFIED (docs/dev/posthog-behaviour.md#funnel-correlation); the emulator returns both groups.
		if req.converted != nil && (fa.steps == n) != *req.converted {
			continue
		}
		if req.corrType == "properties" || s.didCorrelatedEvent(c, &spec, req.entity, fa) {
			out = append(out, fa.id)
		}
	}
	sort.Strings(out)
	return out, nil
}

// didCorrelatedEvent: the actor did the entity's event, not a funnel step event,
// with date_from <= ts < date_to, first_timestamp < ts <
// coalesce(final_timestamp, first_timestamp + window). s.mu held.
func (s *Server) didCorrelatedEvent(c teamClock, spec *funnelSpec, e *entity, fa funnelActor) bool {
	limit := addInterval(fa.first.In(c.loc), spec.windowUnit, spec.windowN).UTC()
	if fa.final != nil {
		limit = *fa.final
	}
	p := s.st.persons[fa.id]
	for _, ev := range s.st.events {
		if ev.personUUID != fa.id || ev.timestamp.Before(spec.from) || !ev.timestamp.Before(spec.to) {
			continue
		}
		if !ev.timestamp.After(fa.first) || !ev.timestamp.Before(limit) {
			continue
		}
		if !isStepEvent(spec.steps, ev.event) && e.match(ev, p) {
			return true
		}
	}
	return false
}

// isStepEvent tells whether name is one of the funnel's step events
// (_get_funnel_step_names: event names, and the event names of action steps).
func isStepEvent(steps []entity, name string) bool {
	for _, st := range steps {
		names, all := st.stepEvents()
		if all || slices.Contains(names, name) {
			return true
		}
	}
	return false
}
