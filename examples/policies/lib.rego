# Shared rules of the posthog_person_deletion policies. The input is the JSON
# of a saved plan: terraform plan -out plan.out && terraform show -json plan.out.
package posthog.lib

# Settings come from the conftest --data file (data/erasure.yaml); each has a
# default so that the policies also run without one.
default max_persons_per_change := 100

max_persons_per_change := data.posthog_erasure.max_persons_per_change

default gdpr_reason_prefix := "GDPR-"

gdpr_reason_prefix := data.posthog_erasure.gdpr_reason_prefix

default allowed_replacements := []

allowed_replacements := data.posthog_erasure.allowed_replacements

# Every posthog_person_deletion in the plan, whatever its action.
deletions contains rc if {
	some rc in input.resource_changes
	rc.mode == "managed"
	rc.type == "posthog_person_deletion"
}

# The deletions the plan creates (also as half of a replacement) or updates:
# the ones whose apply calls PostHog or rewrites the record.
changed_deletions contains rc if {
	some rc in deletions
	some action in rc.change.actions
	action in {"create", "update"}
}

# The deletions whose apply deletes persons: every create, and the updates
# that plan new results. The provider leaves deleted_person_count known in an
# update that deletes nobody (a new reason, wait_for_events_deletion switched
# on) and marks it "known after apply" in one that deletes (added ids,
# returning users).
deleting_deletions contains rc if {
	some rc in changed_deletions
	rc.change.after_unknown.deleted_person_count == true
}

# A value of the planned resource, or null when it is unknown until apply.
planned(rc, name) := object.get(rc.change.after, name, null)

# The reason as written in the plan, or "" when there is none.
reason(rc) := r if {
	r := planned(rc, "reason")
	is_string(r)
} else := ""

is_gdpr(rc) if startswith(upper(reason(rc)), upper(gdpr_reason_prefix))
