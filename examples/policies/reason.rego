# Every posthog_person_deletion that is created or updated carries a non-empty
# reason (the ticket or request reference), known when the plan is made, so
# that reviewers and auditors can trace the deletion to its request.
package posthog.reason

import data.posthog.lib

deny contains msg if {
	some rc in lib.changed_deletions
	lib.planned(rc, "reason") == null
	not rc.change.after_unknown.reason
	msg := sprintf("%s: a posthog_person_deletion must carry a reason (the ticket or request reference, such as GDPR-2041); set reason", [rc.address])
}

deny contains msg if {
	some rc in lib.changed_deletions
	r := lib.planned(rc, "reason")
	is_string(r)
	trim_space(r) == ""
	msg := sprintf("%s: a posthog_person_deletion must carry a reason (the ticket or request reference, such as GDPR-2041); the reason is blank", [rc.address])
}

deny contains msg if {
	some rc in lib.changed_deletions
	rc.change.after_unknown.reason == true
	msg := sprintf("%s: the reason is only known after apply; a reviewed deletion needs its reason in the plan (use a literal or a variable, not another resource's attribute)", [rc.address])
}
