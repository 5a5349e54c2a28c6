# An erasure request: delete every person these distinct ids belong to,
# with their events and recordings. reason names the request it carries out:
# it is kept in state and in the evidence record, and the example policies
# (examples/policies) refuse a deletion without one.
resource "posthog_person_deletion" "ticket_4711" {
  distinct_ids = [
    "user-8841",
    "jane.doe@example.com",
  ]
  delete_events     = true
  delete_recordings = true
  reason            = "GDPR-4711"
}

# Delete persons by their PostHog UUIDs and wait until PostHog has verified
# the event deletion (its job runs weekly, so allow for it or leave this off).
resource "posthog_person_deletion" "ticket_4712" {
  uuids                    = ["0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"]
  delete_events            = true
  wait_for_events_deletion = true
  reason                   = "DSR-4712"

  timeouts {
    create = "30m"
  }
}

# Keep the person profiles, delete only their events.
resource "posthog_person_deletion" "ticket_4713" {
  distinct_ids  = ["user-1020"]
  keep_person   = true
  delete_events = true
  reason        = "DSR-4713"
}

output "ticket_4711_deleted" {
  value = posthog_person_deletion.ticket_4711.deleted_person_count
}
