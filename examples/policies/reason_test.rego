package posthog.reason_test

import data.posthog.reason
import data.posthog.testdata

test_reason_present_passes if {
	count(reason.deny) == 0 with input as testdata.plan([testdata.create("posthog_person_deletion.a", {"reason": "DSR-7730"})])
}

test_missing_reason_denied if {
	no_reason := testdata.without_after(testdata.create("posthog_person_deletion.a", {}), ["reason"])
	denials := reason.deny with input as testdata.plan([no_reason])
	count(denials) == 1
	some msg in denials
	contains(msg, "posthog_person_deletion.a: a posthog_person_deletion must carry a reason")
}

test_null_reason_denied if {
	denials := reason.deny with input as testdata.plan([testdata.create("posthog_person_deletion.a", {"reason": null})])
	count(denials) == 1
}

test_blank_reason_denied if {
	denials := reason.deny with input as testdata.plan([testdata.create("posthog_person_deletion.a", {"reason": "   "})])
	some msg in denials
	contains(msg, "the reason is blank")
}

test_reason_unknown_at_plan_time_denied if {
	rc := testdata.create("posthog_person_deletion.a", {"reason": null})
	unknown := testdata.with_change(rc, ["create"], {"reason": true, "deleted_person_count": true}, {})
	denials := reason.deny with input as testdata.plan([unknown])
	count(denials) == 1
	some msg in denials
	contains(msg, "only known after apply")
}

test_update_without_reason_denied if {
	rc := testdata.create("posthog_person_deletion.a", {"reason": null})
	update := testdata.with_change(rc, ["update"], {"deleted_person_count": true}, {})
	count(reason.deny) == 1 with input as testdata.plan([update])
}

test_unchanged_deletion_without_reason_passes if {
	# A deletion applied before reasons were required is left alone until it changes.
	rc := testdata.create("posthog_person_deletion.a", {"reason": null})
	noop := testdata.with_change(rc, ["no-op"], {}, {})
	count(reason.deny) == 0 with input as testdata.plan([noop])
}

test_destroy_without_reason_is_not_judged_here if {
	rc := testdata.create("posthog_person_deletion.a", {"reason": null})
	destroy := testdata.with_change(rc, ["delete"], {}, {"after": null})
	count(reason.deny) == 0 with input as testdata.plan([destroy])
}

test_other_resource_types_ignored if {
	rc := testdata.create("terraform_data.a", {"reason": null})
	other := object.union(rc, {"type": "terraform_data"})
	count(reason.deny) == 0 with input as testdata.plan([other])
}
