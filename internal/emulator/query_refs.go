package emulator

// Resolving the cohorts and actions a parsed query refers to, against the
// store, before it runs: PostHog looks each one up while building the query
// (docs/dev/posthog-behaviour.md#actions,
// docs/dev/posthog-behaviour.md#cohort-filters).

// missingAction is the answer for an action id the project does not have.
type missingAction func(id int) *queryError

// missingActionInFunnel is the funnel event query's ValidationError.
func missingActionInFunnel(id int) *queryError {
	return qValidation("Action ID " + itoa(id) + " does not exist!")
}

// missingActionInLifecycle: the lifecycle runner's Action.objects.get raises
// DoesNotExist, which nothing handles (a 500, UNVERIFIED).
func missingActionInLifecycle(int) *queryError { return qServer() }

// bindFilter resolves the cohort leaves of f. A cohort id the project does
// not have raises Cohort.DoesNotExist in property_to_expr, which nothing
// handles (a 500, UNVERIFIED). Deleted cohorts are found, as
// Cohort.objects.get finds them. s.mu held.
func (st *store) bindFilter(f *pfilter) *queryError {
	if f == nil {
		return nil
	}
	for _, c := range f.children {
		if err := st.bindFilter(c); err != nil {
			return err
		}
	}
	if f.typ != "cohort" {
		return nil
	}
	c := st.cohorts[f.cohortID]
	if c == nil {
		return qServer()
	}
	f.inCohort = func(p *person) bool { return st.cohortHas(matchCtx{st: st}, c, p) }
	return nil
}

// bindEntity resolves an entity's action and the cohorts of its filters.
func (st *store) bindEntity(e *entity, missing missingAction) *queryError {
	if e.actionID != nil {
		a := st.actions[*e.actionID]
		if a == nil {
			return missing(*e.actionID)
		}
		if a.usesElements() {
			return qUnsupported("actions matching $autocapture elements (selector, tag_name, text, href)")
		}
		for _, step := range a.steps {
			if err := st.bindFilter(step.props); err != nil {
				return err
			}
		}
		e.action = a
	}
	return st.bindFilter(e.props)
}

// bindEntities binds every entity of a list.
func (st *store) bindEntities(es []entity, missing missingAction) *queryError {
	for i := range es {
		if err := st.bindEntity(&es[i], missing); err != nil {
			return err
		}
	}
	return nil
}

// bindFunnel binds a funnel's steps, exclusions and filters, and the
// team's test-account filters when it applies them.
func (s *Server) bindFunnel(spec *funnelSpec) *queryError {
	if err := s.st.bindEntities(spec.steps, missingActionInFunnel); err != nil {
		return err
	}
	for i := range spec.exclusions {
		if err := s.st.bindEntity(&spec.exclusions[i].entity, missingActionInFunnel); err != nil {
			return err
		}
	}
	return s.bindInsightFilters(spec.props, spec.testAccounts)
}

// bindInsightFilters binds an insight's properties and, when it filters
// test accounts, the team's test-account filters.
func (s *Server) bindInsightFilters(props *pfilter, testAccounts bool) *queryError {
	if err := s.st.bindFilter(props); err != nil {
		return err
	}
	if testAccounts {
		return s.st.bindFilter(s.testAccounts)
	}
	return nil
}
