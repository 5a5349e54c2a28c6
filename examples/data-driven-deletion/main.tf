# A deletion driven by a data source, kept stable with a snapshot.
#
# Load tests sign users up with @loadtest.example.com addresses; this
# configuration deletes the persons they created on the day of the plan.
#
# Feeding the data source straight into uuids would not stay put: once the
# persons are deleted, the data source lists nobody, the next plan shrinks
# uuids and shows a change. terraform_data takes a snapshot of the list
# instead: ignore_changes keeps the first list for good, and the deletion
# reads the snapshot. To delete the persons of a new day, take a new snapshot:
#
#   terraform apply -replace=terraform_data.snapshot
#
# The guide "Deletions driven by a data source" explains each part.

terraform {
  required_version = ">= 1.5"
  required_providers {
    posthog = {
      source = "posthog-persons/posthog"
    }
  }
}

# host, api_key and project_id come from POSTHOG_HOST, POSTHOG_API_KEY (a
# personal API key with query:read, person:read and person:write) and
# POSTHOG_PROJECT_ID.
provider "posthog" {}

locals {
  today = formatdate("YYYY-MM-DD", plantimestamp())
}

# The persons first seen today whose email is a load-test address.
data "posthog_lifecycle_persons" "load_test_signups" {
  events = [{
    event = "$pageview"
    properties = [{
      key      = "email"
      operator = "icontains"
      value    = "@loadtest.example.com"
      type     = "person"
    }]
  }]
  date_from = "-7d"
  interval  = "day"
  day       = local.today
  status    = "new"
  limit     = 10000
}

# The snapshot: its input is the list as the first plan read it, and
# ignore_changes keeps it when the data source later lists fewer persons.
resource "terraform_data" "snapshot" {
  input = data.posthog_lifecycle_persons.load_test_signups.persons[*].uuid

  lifecycle {
    ignore_changes = [input]
  }
}

resource "posthog_person_deletion" "load_test_signups" {
  # input, not output: the planned input is known at plan time, so the plan
  # shows the preview (output is known only after apply).
  uuids  = terraform_data.snapshot.input
  reason = "OPS-312: load-test sign-ups"
}

output "deleted_person_count" {
  value = posthog_person_deletion.load_test_signups.deleted_person_count
}

# A warning, not a change: PostHog had more persons than limit lists. Apply,
# then take a new snapshot for the rest.
check "snapshot_is_complete" {
  assert {
    condition     = !data.posthog_lifecycle_persons.load_test_signups.has_more
    error_message = "PostHog lists more load-test sign-ups than the limit of 10000; after this apply, take a new snapshot for the rest."
  }
}
