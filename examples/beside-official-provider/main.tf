# This provider beside PostHog's official provider (PostHog/posthog).
#
# Both providers want the local name "posthog", and Terraform picks a
# resource's provider from the prefix of its type ("posthog_..."). So one of
# them takes another local name, here posthog-persons for this provider, and
# every resource and data source of this provider names it with
# `provider = posthog-persons`. The official provider's resources keep the
# local name posthog and need nothing.
#
# The official provider is left out of this file so that it validates
# offline (make examples-check cannot download it). In a real configuration,
# add it to required_providers and give it its own block:
#
#   posthog = {
#     source = "PostHog/posthog"
#   }
#
#   provider "posthog" {}
#
# Both providers read POSTHOG_HOST, POSTHOG_API_KEY and POSTHOG_PROJECT_ID,
# so one environment serves both; a value set in a provider block wins for
# that provider only.

terraform {
  required_version = ">= 1.5"
  required_providers {
    posthog-persons = {
      source = "posthog-persons/posthog"
    }
  }
}

# This provider's settings, under its local name. The API key comes from
# POSTHOG_API_KEY; it needs person:read and person:write for deletions.
provider "posthog-persons" {
  host = "https://eu.posthog.com"
}

resource "posthog_person_deletion" "ticket_4711" {
  provider = posthog-persons

  distinct_ids  = ["user-8841", "jane.doe@example.com"]
  delete_events = true
  reason        = "DSR-4711"
}

data "posthog_persons" "request" {
  provider = posthog-persons

  distinct_ids = ["user-8841"]
}

output "ticket_4711_deleted" {
  value = posthog_person_deletion.ticket_4711.deleted_person_count
}

output "request_found" {
  value = data.posthog_persons.request.found_count
}
