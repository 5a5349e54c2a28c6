package emulator

// The cohort rows of the store and what is computed from them: membership,
// counts, static members, loops between cohorts.

import (
	"time"

	"github.com/google/uuid"
)

// cohort is the emulator's posthog_cohort row. Guarded by Server.mu.
type cohort struct {
	id              int
	name            *string // the model's name is null=True, blank=True
	description     string
	groups          any // legacy groups, as sent (default [])
	filters         any // as sent; nil = none
	query           any
	tree            *condNode // parsed filters (or legacy groups) for dynamic membership
	isStatic        bool
	deleted         bool
	createdAt       time.Time
	lastCalculation *time.Time
	members         map[string]bool // static cohorts: person uuids
}

// cohortBatchLimit is DEFAULT_COHORT_INSERT_BATCH_SIZE (posthog/models/cohort/cohort.py).
const cohortBatchLimit = 1000

// cohortHas reports membership: a static cohort by stored uuid, a dynamic one by
// evaluating its filters against the person's current properties.
func (st *store) cohortHas(ctx matchCtx, c *cohort, p *person) bool {
	if c.isStatic {
		return c.members[p.uuid]
	}
	return c.tree.match(ctx, p)
}

// cohortCount is the current size: static members that still exist, or matching persons.
func (st *store) cohortCount(c *cohort) int {
	n := 0
	if c.isStatic {
		for u := range c.members {
			if st.persons[u] != nil {
				n++
			}
		}
		return n
	}
	for _, p := range st.persons {
		if c.tree.match(matchCtx{st: st}, p) {
			n++
		}
	}
	return n
}

// moveStaticMembership follows a person merge: static cohort rows of the merged-away
// person move to the surviving one (as the plugin-server merge re-points cohort
// people; UNVERIFIED for the ClickHouse static-cohort table).
func (st *store) moveStaticMembership(from, to string) {
	for _, c := range st.cohorts {
		if c.members[from] {
			delete(c.members, from)
			c.members[to] = true
		}
	}
}

// resolvePersonUUIDs keeps the uuids of existing persons (validate_person_uuids_exist);
// strings that are not uuids are skipped (the ORM path would fail on them: UNVERIFIED).
func (st *store) resolvePersonUUIDs(ids []string) []string {
	var out []string
	for _, s := range ids {
		u, err := uuid.Parse(s)
		if err != nil {
			continue
		}
		if p := st.persons[u.String()]; p != nil {
			out = append(out, p.uuid)
		}
	}
	return out
}

// membershipTree picks what dynamic membership evaluates: filters when set, else the
// legacy groups (Cohort.properties).
func (st *store) membershipTree(c *cohort, parsed *condNode) *condNode {
	if parsed != nil {
		return parsed
	}
	if c.filters != nil {
		if t, ferr := parseCohortFilters(c.filters); ferr == nil {
			return t
		}
		return nil
	}
	groups, _ := c.groups.([]any)
	t, _ := legacyGroups(groups)
	return t
}

// cohortLoop reports "Cohorts cannot reference other cohorts in a loop." or
// "Invalid Cohort ID in filter" for a tree about to be saved on cohort id.
func (st *store) cohortLoop(id int, tree *condNode) string {
	onPath := map[int]bool{id: true}
	var visit func(n *condNode) string
	visit = func(n *condNode) string {
		if n == nil {
			return ""
		}
		for _, ch := range n.children {
			if m := visit(ch); m != "" {
				return m
			}
		}
		if n.kind != "cohort" {
			return ""
		}
		ref, _ := n.value.(int)
		if onPath[ref] {
			return "Cohorts cannot reference other cohorts in a loop."
		}
		target := st.cohorts[ref]
		if target == nil {
			return "Invalid Cohort ID in filter"
		}
		onPath[ref] = true
		defer delete(onPath, ref)
		return visit(target.tree)
	}
	return visit(tree)
}

// resolveCSVIDs implements calculate_cohort_from_list for an uploaded CSV: the uuids
// of the persons the ids name; unknown ids are ignored. PostHog runs the insert in
// Celery; the emulator does it within the request.
func (st *store) resolveCSVIDs(c csvIDs) []string {
	var out []string
	for _, id := range c.ids {
		switch c.idType {
		case "person_id":
			out = append(out, st.resolvePersonUUIDs([]string{id})...)
		case "distinct_id":
			if p := st.byDistinctID[id]; p != nil {
				out = append(out, p.uuid)
			}
		case "email":
			for _, p := range st.persons {
				if e, ok := p.props["email"].(string); ok && e == id {
					out = append(out, p.uuid)
				}
			}
		}
	}
	return out
}

// insertCohort gives a new cohort the next id and stores it.
func (st *store) insertCohort(c *cohort) {
	c.id = st.nextCohortID
	st.nextCohortID++
	st.cohorts[c.id] = c
}

// staticMembers is _handle_static for a new static cohort: csv and/or
// _create_static_person_ids, else filters with criteria (a one-off snapshot),
// else query (not evaluated here), else an explicitly empty person list. ok is
// false when none of these sources was given.
func (st *store) staticMembers(in cohortInput, csv []byte, tree *condNode) (members map[string]bool, fe *fieldErr, ok bool) {
	members = map[string]bool{}
	switch {
	case csv != nil || len(in.personIDs) > 0:
		for _, u := range st.resolvePersonUUIDs(in.personIDs) {
			members[u] = true
		}
		if csv != nil {
			ids, fe := parseCohortCSV(csv)
			if fe != nil {
				return nil, fe, true
			}
			for _, u := range st.resolveCSVIDs(ids) {
				members[u] = true
			}
		}
	case tree.hasValues():
		for _, p := range st.persons {
			if tree.match(matchCtx{st: st}, p) {
				members[p.uuid] = true
			}
		}
	case in.query != nil, in.hasPIDs:
	default:
		return nil, nil, false
	}
	return members, nil, true
}

// updateCohortRow is CohortSerializer.update on the row: the fields sent replace
// the stored ones, csvUUIDs join the static members, deleted toggles the soft
// delete, and any other update recalculates a dynamic cohort.
func (st *store) updateCohortRow(c *cohort, in cohortInput, tree *condNode, static bool, csvUUIDs []string, now time.Time) {
	if in.name != nil {
		c.name = *in.name
	}
	if in.description != nil {
		c.description = *in.description
	}
	if in.hasGroups {
		c.groups = in.groups
	}
	c.isStatic = static
	if in.hasFilters {
		c.filters = in.filters
	}
	if in.query != nil {
		c.query = in.query
	}
	c.tree = st.membershipTree(c, tree)
	if c.members == nil {
		c.members = map[string]bool{}
	}
	for _, u := range csvUUIDs {
		c.members[u] = true
	}
	if in.deleted != nil && *in.deleted != c.deleted {
		c.deleted = *in.deleted
	} else if !c.isStatic {
		c.lastCalculation = &now
	}
}
