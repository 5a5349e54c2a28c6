# A deletion may not be replaced without an explicit override.
#
# Changing delete_events, delete_recordings, keep_person or project_id (or
# terraform apply -replace) replaces a posthog_person_deletion: the old
# record and its evidence leave the state, and a new one deletes again with
# the new flags. That is sometimes right (a request widened to events) but
# never by accident, so the plan passes only when the resource's address or
# its ticket (the reason) is listed in data.posthog_erasure.allowed_replacements.
# Remove the entry once the change is applied.
package posthog.replacement

import data.posthog.lib

replaced contains rc if {
	some rc in lib.deletions
	"delete" in rc.change.actions
	"create" in rc.change.actions
}

allowed(rc) if rc.address in lib.allowed_replacements

allowed(rc) if {
	r := lib.reason(rc)
	r != ""
	r in lib.allowed_replacements
}

# What forces the replacement, as Terraform reports it.
cause(rc) := concat(", ", sort([concat(".", [sprintf("%v", [step]) | some step in p]) | some p in rc.change.replace_paths])) if {
	count(object.get(rc.change, "replace_paths", [])) > 0
} else := "replacement requested with -replace"

deny contains msg if {
	some rc in replaced
	not allowed(rc)
	msg := sprintf("%s: the plan replaces this deletion (%s changed), which drops its evidence record from state and deletes again; list its address or its ticket %q under allowed_replacements in the policy data to allow it", [rc.address, cause(rc), lib.reason(rc)])
}
