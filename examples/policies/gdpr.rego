# A GDPR erasure deletes the person with their events and recordings.
#
# A deletion is a GDPR request when its reason starts with
# data.posthog_erasure.gdpr_reason_prefix ("GDPR-" by default, any letter
# case): GDPR requests are tracked as GDPR-<number> tickets, and the
# erasure-request module refuses a request whose type and ticket disagree.
package posthog.gdpr

import data.posthog.lib

deny contains msg if {
	some rc in lib.changed_deletions
	lib.is_gdpr(rc)
	not lib.planned(rc, "delete_events") == true
	msg := sprintf("%s: GDPR request %s must delete the person's events (delete_events = true)", [rc.address, lib.reason(rc)])
}

deny contains msg if {
	some rc in lib.changed_deletions
	lib.is_gdpr(rc)
	not lib.planned(rc, "delete_recordings") == true
	msg := sprintf("%s: GDPR request %s must delete the person's session recordings (delete_recordings = true)", [rc.address, lib.reason(rc)])
}

deny contains msg if {
	some rc in lib.changed_deletions
	lib.is_gdpr(rc)
	not lib.planned(rc, "keep_person") == false
	msg := sprintf("%s: GDPR request %s must delete the person profile too (keep_person = false)", [rc.address, lib.reason(rc)])
}
