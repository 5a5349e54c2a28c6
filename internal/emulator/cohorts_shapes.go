package emulator

// The JSON representation of a cohort (CohortSerializer).

// emulatorUser is the created_by of every cohort (UserBasicSerializer fields; UNVERIFIED).
var emulatorUser = map[string]any{
	"id": 1, "uuid": "0190a6f3-0000-7000-8000-000000000001", "distinct_id": "emulator-user",
	"first_name": "Emulator", "last_name": "", "email": "emulator@posthog.local",
	"is_email_verified": true, "hedgehog_config": nil, "role_at_organization": nil,
}

// cohortJSON is CohortSerializer's representation (fields of commit 18f8a88b). The
// emulator calculates instantly, so is_calculating is always false; count is
// store.cohortCount.
func cohortJSON(c *cohort, count int) map[string]any {
	filters := c.filters
	if filters == nil {
		// to_representation: filters or {"properties": cohort.properties.to_dict()}.
		groups, _ := c.groups.([]any)
		_, filters = legacyGroups(groups)
	}
	var name any
	if c.name != nil {
		name = *c.name
	}
	return map[string]any{
		"id": c.id, "name": name, "description": c.description, "groups": c.groups,
		"deleted": c.deleted, "filters": filters, "query": c.query, "is_calculating": false,
		"created_by": emulatorUser, "created_at": isoTime(c.createdAt),
		"last_calculation": isoTimePtr(c.lastCalculation), "errors_calculating": 0,
		"count": count, "is_static": c.isStatic, "cohort_type": nil,
		"experiment_set": []any{},
	}
}
