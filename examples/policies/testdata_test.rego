# Test inputs shared by the policy tests: plan fragments shaped like the
# output of terraform show -json for posthog_person_deletion changes.
package posthog.testdata

# A planned creation of a deletion with these planned values (merged over a
# GDPR-compliant default).
create(address, values) := {
	"address": address,
	"mode": "managed",
	"type": "posthog_person_deletion",
	"change": {
		"actions": ["create"],
		"before": null,
		"after": object.union(
			{
				"reason": "GDPR-2041",
				"distinct_ids": ["user_10482", "anon_4f1c9a27"],
				"delete_events": true,
				"delete_recordings": true,
				"keep_person": false,
				"requested_count": 2,
				"preview_person_count": 2,
			},
			values,
		),
		"after_unknown": {"deleted_person_count": true, "evidence": true},
	},
}

# A change with other actions and after_unknown, from create().
with_change(rc, actions, after_unknown, extra) := object.union(rc, {"change": object.union(
	object.union(rc.change, {"actions": actions, "after_unknown": after_unknown}),
	extra,
)})

plan(changes) := {"format_version": "1.2", "resource_changes": changes}
