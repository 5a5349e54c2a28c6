package posthog.gdpr_test

import data.posthog.gdpr
import data.posthog.testdata

test_gdpr_request_deleting_everything_passes if {
	count(gdpr.deny) == 0 with input as testdata.plan([testdata.create("a", {})])
}

test_gdpr_request_keeping_events_denied if {
	denials := gdpr.deny with input as testdata.plan([testdata.create("a", {"delete_events": false})])
	denials == {"a: GDPR request GDPR-2041 must delete the person's events (delete_events = true)"}
}

test_gdpr_request_keeping_recordings_denied if {
	denials := gdpr.deny with input as testdata.plan([testdata.create("a", {"delete_recordings": false})])
	denials == {"a: GDPR request GDPR-2041 must delete the person's session recordings (delete_recordings = true)"}
}

test_gdpr_request_keeping_the_person_denied if {
	denials := gdpr.deny with input as testdata.plan([testdata.create("a", {"keep_person": true})])
	denials == {"a: GDPR request GDPR-2041 must delete the person profile too (keep_person = false)"}
}

test_gdpr_prefix_in_any_case if {
	count(gdpr.deny) == 2 with input as testdata.plan([testdata.create("a", {"reason": "gdpr-77", "delete_events": false, "delete_recordings": false})])
}

test_flags_unknown_at_plan_time_denied if {
	unknown := testdata.without_after(testdata.create("a", {}), ["delete_events"])
	count(gdpr.deny) == 1 with input as testdata.plan([unknown])
}

test_other_requests_may_keep_events if {
	count(gdpr.deny) == 0 with input as testdata.plan([testdata.create("a", {"reason": "DSR-7730", "delete_events": false, "delete_recordings": false})])
}

test_configured_prefix if {
	changes := [testdata.create("a", {"reason": "ART17/2041", "delete_events": false})]
	count(gdpr.deny) == 1 with input as testdata.plan(changes) with data.posthog_erasure as {"gdpr_reason_prefix": "ART17/"}
	count(gdpr.deny) == 0 with input as testdata.plan(changes)
}
