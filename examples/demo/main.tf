# Erasure requests (GDPR / CCPA "right to be forgotten") as reviewed
# Terraform changes: every entry of requests.json becomes one
# posthog_person_deletion, keyed by its ticket id, which is also its reason.

terraform {
  required_providers {
    posthog = {
      source = "posthog-persons/posthog"
    }
  }
}

# host, api_key and project_id come from POSTHOG_HOST, POSTHOG_API_KEY and
# POSTHOG_PROJECT_ID.
provider "posthog" {}

locals {
  requests = {
    for r in jsondecode(file("${path.module}/requests.json")).requests : r.ticket => {
      distinct_ids  = tolist(r.distinct_ids)
      delete_events = try(r.delete_events, false)
    }
  }
}

resource "posthog_person_deletion" "erasure" {
  for_each = local.requests

  distinct_ids  = each.value.distinct_ids
  delete_events = each.value.delete_events
  reason        = each.key
}

output "deleted_persons_by_request" {
  description = "Persons deleted for each ticket."
  value       = { for ticket, d in posthog_person_deletion.erasure : ticket => d.deleted_person_count }
}

output "total_deleted_persons" {
  description = "Persons deleted over all tickets."
  value       = sum(concat([0], [for d in posthog_person_deletion.erasure : d.deleted_person_count]))
}

output "unmatched_ids" {
  description = "Requested distinct ids that matched no person, by ticket (tickets without any are left out)."
  value = {
    for ticket, d in posthog_person_deletion.erasure : ticket => join(", ", d.unmatched_ids)
    if length(d.unmatched_ids) > 0
  }
}

output "events_deletion_status" {
  description = "not_requested, pending (PostHog's weekly job has not run yet) or completed, by ticket."
  value       = { for ticket, d in posthog_person_deletion.erasure : ticket => d.events_deletion_status }
}
