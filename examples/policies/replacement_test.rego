package posthog.replacement_test

import data.posthog.replacement
import data.posthog.testdata

address := `module.erasure_request["DSR-7730"].posthog_person_deletion.this`

replacing := testdata.with_change(
	testdata.create(address, {"reason": "DSR-7730"}),
	["delete", "create"],
	{"deleted_person_count": true},
	{"action_reason": "replace_because_cannot_update", "replace_paths": [["delete_recordings"]]},
)

test_replacement_denied if {
	denials := replacement.deny with input as testdata.plan([replacing])
	denials == {sprintf("%s: the plan replaces this deletion (delete_recordings changed), which drops its evidence record from state and deletes again; list its address or its ticket \"DSR-7730\" under allowed_replacements in the policy data to allow it", [address])}
}

test_create_before_destroy_replacement_denied if {
	rc := testdata.with_change_fields(replacing, {"actions": ["create", "delete"]})
	count(replacement.deny) == 1 with input as testdata.plan([rc])
}

test_replace_requested_on_the_command_line_denied if {
	rc := testdata.with_change_fields(testdata.without_change(replacing, ["replace_paths"]), {"action_reason": "replace_by_request"})
	denials := replacement.deny with input as testdata.plan([rc])
	some msg in denials
	contains(msg, "replacement requested with -replace")
}

test_replacement_allowed_by_address if {
	count(replacement.deny) == 0 with input as testdata.plan([replacing]) with data.posthog_erasure as {"allowed_replacements": [address]}
}

test_replacement_allowed_by_ticket if {
	count(replacement.deny) == 0 with input as testdata.plan([replacing]) with data.posthog_erasure as {"allowed_replacements": ["DSR-7730"]}
}

test_override_for_another_ticket_does_not_apply if {
	count(replacement.deny) == 1 with input as testdata.plan([replacing]) with data.posthog_erasure as {"allowed_replacements": ["DSR-1"]}
}

test_create_and_update_pass if {
	update := testdata.with_change(testdata.create(address, {}), ["update"], {"deleted_person_count": true}, {})
	count(replacement.deny) == 0 with input as testdata.plan([testdata.create(address, {}), update])
}
