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

# rc with these fields of its change replaced (object.union would merge
# nested objects, not replace them).
with_change_fields(rc, fields) := object.union(
	object.remove(rc, ["change"]),
	{"change": object.union(object.remove(rc.change, object.keys(fields)), fields)},
)

# rc with other actions and after_unknown, and extra change fields.
with_change(rc, actions, after_unknown, extra) := with_change_fields(
	rc,
	object.union({"actions": actions, "after_unknown": after_unknown}, extra),
)

# rc without these planned values (unknown until apply, or never set).
without_after(rc, names) := with_change_fields(rc, {"after": object.remove(rc.change.after, names)})

# rc without these fields of its change.
without_change(rc, names) := object.union(object.remove(rc, ["change"]), {"change": object.remove(rc.change, names)})

plan(changes) := {"format_version": "1.2", "resource_changes": changes}
