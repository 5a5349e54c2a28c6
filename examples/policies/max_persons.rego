# A change may not delete more persons than data.posthog_erasure.max_persons_per_change.
#
# Each deletion counts with preview_person_count, the persons its ids matched
# when the plan was made: Terraform plans again during apply and the provider
# stops the apply when that preview has changed, so a saved, reviewed plan
# deletes exactly that many. Where the preview is unknown at plan time (ids
# that come from another resource), requested_count stands in: each requested
# id resolves to at most one person, so it bounds what the apply can delete.
# A deletion with neither known is denied, since it cannot be judged.
# Persons kept with keep_person = true count too: their events and
# recordings are deleted, which cannot be undone either.
package posthog.max_persons

import data.posthog.lib

persons(rc) := n if {
	n := lib.planned(rc, "preview_person_count")
	is_number(n)
} else := n if {
	n := lib.planned(rc, "requested_count")
	is_number(n)
}

total := sum([n | some rc in lib.deleting_deletions; n := persons(rc)])

deny contains msg if {
	total > lib.max_persons_per_change
	by_deletion := concat(", ", sort([sprintf("%s: %d", [lib.reason(rc), persons(rc)]) | some rc in lib.deleting_deletions; persons(rc) > 0]))
	msg := sprintf("this change deletes %d persons, more than the %d allowed per change (max_persons_per_change); split the requests over several changes or raise the limit with a reviewed change of the policy data (%s)", [total, lib.max_persons_per_change, by_deletion])
}

deny contains msg if {
	some rc in lib.deleting_deletions
	not persons(rc)
	msg := sprintf("%s: neither preview_person_count nor requested_count is known at plan time, so the number of persons it deletes cannot be checked against max_persons_per_change", [rc.address])
}

deny contains msg if {
	not is_number(lib.max_persons_per_change)
	msg := sprintf("policy data: max_persons_per_change must be a number, got %v", [lib.max_persons_per_change])
}
