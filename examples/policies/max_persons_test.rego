package posthog.max_persons_test

import data.posthog.max_persons
import data.posthog.testdata

limit_10 := {"max_persons_per_change": 10}

test_under_the_limit_passes if {
	changes := [
		testdata.create("a", {"preview_person_count": 4, "reason": "DSR-1"}),
		testdata.create("b", {"preview_person_count": 6, "reason": "DSR-2"}),
	]
	count(max_persons.deny) == 0 with input as testdata.plan(changes) with data.posthog_erasure as limit_10
}

test_over_the_limit_over_several_deletions_denied if {
	changes := [
		testdata.create("a", {"preview_person_count": 4, "reason": "DSR-1"}),
		testdata.create("b", {"preview_person_count": 7, "reason": "DSR-2"}),
	]
	denials := max_persons.deny with input as testdata.plan(changes) with data.posthog_erasure as limit_10
	denials == {"this change deletes 11 persons, more than the 10 allowed per change (max_persons_per_change); split the requests over several changes or raise the limit with a reviewed change of the policy data (DSR-1: 4, DSR-2: 7)"}
}

test_preview_is_used_over_requested_count if {
	# 40 ids that matched 3 persons delete 3.
	changes := [testdata.create("a", {"requested_count": 40, "preview_person_count": 3})]
	count(max_persons.deny) == 0 with input as testdata.plan(changes) with data.posthog_erasure as limit_10
}

test_requested_count_bounds_an_unknown_preview if {
	unknown := testdata.without_after(testdata.create("a", {"requested_count": 12}), ["preview_person_count"])
	denials := max_persons.deny with input as testdata.plan([unknown]) with data.posthog_erasure as limit_10
	some msg in denials
	startswith(msg, "this change deletes 12 persons")
}

test_nothing_known_denied if {
	unknown := testdata.without_after(testdata.create("a", {}), ["preview_person_count", "requested_count"])
	denials := max_persons.deny with input as testdata.plan([unknown]) with data.posthog_erasure as limit_10
	some msg in denials
	contains(msg, "a: neither preview_person_count nor requested_count is known")
}

test_update_that_deletes_nobody_counts_zero if {
	# A new reason only: deleted_person_count stays known, nothing is deleted.
	rc := testdata.create("a", {"preview_person_count": 500, "deleted_person_count": 500})
	update := testdata.with_change(rc, ["update"], {}, {})
	count(max_persons.deny) == 0 with input as testdata.plan([update]) with data.posthog_erasure as limit_10
}

test_update_that_redeletes_returning_users_counts if {
	rc := testdata.create("a", {"preview_person_count": 11})
	update := testdata.with_change(rc, ["update"], {"deleted_person_count": true}, {})
	count(max_persons.deny) == 1 with input as testdata.plan([update]) with data.posthog_erasure as limit_10
}

test_default_limit_without_data if {
	count(max_persons.deny) == 0 with input as testdata.plan([testdata.create("a", {"preview_person_count": 100})])
	count(max_persons.deny) == 1 with input as testdata.plan([testdata.create("a", {"preview_person_count": 101})])
}
