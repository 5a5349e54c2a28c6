# From a saved PostHog insight to a reviewed erasure request.
#
# Support reports that the persons who dropped off at the card-details step
# of the "Trial to paid" funnel are fake sign-ups from a scripted attack, and
# the data protection officer approved their erasure under ticket SEC-2291.
# The funnel is a saved insight; its short id is the part after /insights/
# in its URL. The guide "From a PostHog insight to an erasure request"
# explains each step.

terraform {
  required_version = ">= 1.5"
  required_providers {
    posthog = {
      source = "posthog-persons/posthog"
    }
  }
}

# host, api_key and project_id come from POSTHOG_HOST, POSTHOG_API_KEY (a
# personal API key with insight:read, query:read, person:read and
# person:write) and POSTHOG_PROJECT_ID.
provider "posthog" {}

variable "insight_short_id" {
  description = "The short id of the saved funnel, from its URL."
  type        = string
  default     = "aBcD1234"
}

# Step 3 of the funnel is "entered card details": -3 lists the persons who
# did step 2 but not step 3, the "dropped off" bar of step 3.
data "posthog_insight_persons" "dropped_at_card_details" {
  insight_short_id = var.insight_short_id
  funnel_step      = -3
  limit            = 5000
}

# The list as the first plan read it. ignore_changes keeps it when the
# insight's answer later changes (the persons are deleted, the team edits the
# funnel, its "last 30 days" moves on).
resource "terraform_data" "snapshot" {
  input = data.posthog_insight_persons.dropped_at_card_details.persons[*].uuid

  lifecycle {
    ignore_changes = [input]
  }
}

resource "posthog_person_deletion" "fake_signups" {
  # input, not output: known at plan time, so the plan shows the preview.
  uuids = terraform_data.snapshot.input
  # A fixed text: one built from the insight's name would change (a new
  # reason recorded) whenever someone renames the insight.
  reason        = "SEC-2291: scripted fake sign-ups, Trial to paid funnel, step 3 drop-offs"
  delete_events = true
}

output "insight" {
  value = "${data.posthog_insight_persons.dropped_at_card_details.insight_id} (${data.posthog_insight_persons.dropped_at_card_details.insight_name})"
}

output "persons_to_delete" {
  value = posthog_person_deletion.fake_signups.preview_person_count
}

check "snapshot_is_complete" {
  assert {
    condition     = !data.posthog_insight_persons.dropped_at_card_details.has_more
    error_message = "The insight lists more persons than the limit of 5000; after this apply, take a new snapshot for the rest."
  }
}
