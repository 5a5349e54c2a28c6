package emulator

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Scenario data of PostHog's own actor-query tests (docs/dev/posthog-behaviour.md#conformance-scenarios), for conformance tests
// of the emulator and of clients. SeedScenario ingests it into the server:
//
//	S1, S2  lifecycle: $pageview at 12:00Z in Jan 2020 (p1: 11,12,13,15,17,19;
//	        p2: 9,12; p3: 12; p4: 15); persons created at their first event,
//	        distinct id and person property name = "p1".."p4".
//	S3      the S1 events, persons created at the emulator's "now" (before the
//	        events are ingested) and only p1's events carry "$number": 1.
//	S4      ordered funnel, 35 persons user_0..user_34: "step one" 2021-05-01,
//	        "step two" 05-03, "step three" 05-05 (user_0..4 all three,
//	        user_5..14 one+two, user_15..34 one only), 00:00Z.
//	S4-offset  110 persons offset_0..offset_109 doing all three S4 steps.
//	S5-strict  S4 plus "step fake" on 2021-05-02 for user_0..4.
//	S5-unordered  user_0..4: one 05-01, three 05-03, two 05-05; user_5..14:
//	        two 05-01, one 05-03; user_15..34: one 05-01.
//	S6      correlation: user_0..9 "user signed up" 2020-01-02 14:00Z and "paid"
//	        01-04 14:00Z, even ones "positively_related" 01-03 14:00Z;
//	        user_10..19 signed up only, even ones "negatively_related" 01-03;
//	        user_fail signed up + positively_related; user_succ signed up +
//	        negatively_related + paid.
//
// Every person gets the person property name = its distinct id.
func (s *Server) SeedScenario(name string) error {
	evs, createdNow, err := scenarioEvents(name)
	if err != nil {
		return err
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Timestamp.Before(evs[j].Timestamp) })
	s.mu.Lock()
	defer s.mu.Unlock()
	if createdNow {
		now := s.now()
		for _, e := range evs {
			if s.st.byDistinctID[e.DistinctID] == nil {
				p := s.st.createPerson(now, e.DistinctID)
				p.props["name"] = e.DistinctID
			}
		}
	}
	for _, e := range evs {
		s.ingestLocked(e)
	}
	return nil
}

// ScenarioNames lists the names SeedScenario accepts.
func ScenarioNames() []string {
	return []string{"S1", "S2", "S3", "S4", "S4-offset", "S5-strict", "S5-unordered", "S6"}
}

func scenarioEvents(name string) (evs []Event, createdNow bool, err error) {
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	add := func(event, who string, ts time.Time, props map[string]any) {
		p := map[string]any{"$set": map[string]any{"name": who}}
		for k, v := range props {
			p[k] = v
		}
		evs = append(evs, Event{Event: event, DistinctID: who, Timestamp: ts, Properties: p})
	}
	lifecycle := func(numberOnP1 bool) {
		days := map[string][]int{"p1": {11, 12, 13, 15, 17, 19}, "p2": {9, 12}, "p3": {12}, "p4": {15}}
		for _, who := range []string{"p1", "p2", "p3", "p4"} {
			for _, d := range days[who] {
				var props map[string]any
				if numberOnP1 && who == "p1" {
					props = map[string]any{"$number": 1}
				}
				add("$pageview", who, at(2020, 1, d, 12), props)
			}
		}
	}
	user := func(i int) string { return "user_" + strconv.Itoa(i) }
	switch name {
	case "S1", "S2":
		lifecycle(false)
	case "S3":
		lifecycle(true)
		createdNow = true
	case "S4", "S5-strict":
		for i := 0; i < 35; i++ {
			add("step one", user(i), at(2021, 5, 1, 0), nil)
			if i < 15 {
				add("step two", user(i), at(2021, 5, 3, 0), nil)
			}
			if i < 5 {
				add("step three", user(i), at(2021, 5, 5, 0), nil)
				if name == "S5-strict" {
					add("step fake", user(i), at(2021, 5, 2, 0), nil)
				}
			}
		}
	case "S4-offset":
		for i := 0; i < 110; i++ {
			who := "offset_" + strconv.Itoa(i)
			add("step one", who, at(2021, 5, 1, 0), nil)
			add("step two", who, at(2021, 5, 3, 0), nil)
			add("step three", who, at(2021, 5, 5, 0), nil)
		}
	case "S5-unordered":
		for i := 0; i < 35; i++ {
			switch {
			case i < 5:
				add("step one", user(i), at(2021, 5, 1, 0), nil)
				add("step three", user(i), at(2021, 5, 3, 0), nil)
				add("step two", user(i), at(2021, 5, 5, 0), nil)
			case i < 15:
				add("step two", user(i), at(2021, 5, 1, 0), nil)
				add("step one", user(i), at(2021, 5, 3, 0), nil)
			default:
				add("step one", user(i), at(2021, 5, 1, 0), nil)
			}
		}
	case "S6":
		for i := 0; i < 20; i++ {
			add("user signed up", user(i), at(2020, 1, 2, 14), nil)
			if i < 10 {
				add("paid", user(i), at(2020, 1, 4, 14), nil)
				if i%2 == 0 {
					add("positively_related", user(i), at(2020, 1, 3, 14), nil)
				}
			} else if i%2 == 0 {
				add("negatively_related", user(i), at(2020, 1, 3, 14), nil)
			}
		}
		add("user signed up", "user_fail", at(2020, 1, 2, 14), nil)
		add("positively_related", "user_fail", at(2020, 1, 3, 14), nil)
		add("user signed up", "user_succ", at(2020, 1, 2, 14), nil)
		add("negatively_related", "user_succ", at(2020, 1, 3, 14), nil)
		add("paid", "user_succ", at(2020, 1, 4, 14), nil)
	default:
		return nil, false, fmt.Errorf("unknown scenario %q (want one of %v)", name, ScenarioNames())
	}
	return evs, createdNow, nil
}
