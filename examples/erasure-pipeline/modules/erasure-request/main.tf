# One erasure request: one posthog_person_deletion whose reason is the
# request's ticket, and checks that surface what a reviewer must see.

terraform {
  required_version = ">= 1.7"
  required_providers {
    posthog = {
      source = "posthog-persons/posthog"
    }
  }
}

resource "posthog_person_deletion" "this" {
  distinct_ids             = var.request.distinct_ids
  uuids                    = var.request.uuids
  reason                   = var.request.ticket
  delete_events            = var.request.delete_events
  delete_recordings        = var.request.delete_recordings
  wait_for_events_deletion = var.request.wait_for_events_deletion
}

# Checks warn without stopping the run. The plan-time preview names the
# requested ids that match no person, so the reviewer can ask the requester
# before anything is deleted; the warning stays on later plans until the
# request file is corrected.
check "every_requested_id_matched_a_person" {
  assert {
    condition = posthog_person_deletion.this.preview_unmatched_id_count == 0
    error_message = format("Request %s: %d requested id(s) matched no person: %s.",
      var.request.ticket, posthog_person_deletion.this.preview_unmatched_id_count,
    join(", ", coalesce(posthog_person_deletion.this.preview_unmatched_ids, [])))
  }
}

# After an apply no person may remain for the requested ids. On a later plan
# a returning user (events kept arriving for a deleted distinct id) shows as
# an update of this resource, which deletes them again.
check "no_person_remains" {
  assert {
    condition = posthog_person_deletion.this.remaining_person_count == 0
    error_message = format("Request %s: %d person(s) exist again for the requested ids: %s.",
      var.request.ticket, posthog_person_deletion.this.remaining_person_count,
    join(", ", coalesce(posthog_person_deletion.this.remaining_person_uuids, [])))
  }
}
