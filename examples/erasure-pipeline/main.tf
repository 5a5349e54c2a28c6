# A GDPR erasure pipeline: every file in requests/ is one erasure request,
# reviewed as a pull request and applied from CI. Each request becomes one
# posthog_person_deletion (modules/erasure-request) whose reason is the
# request's ticket; the outputs hand each request's evidence record to the
# pipeline for archiving.

terraform {
  required_version = ">= 1.7"
  required_providers {
    posthog = {
      source = "posthog-persons/posthog"
    }
  }
}

# host, api_key and project_id come from POSTHOG_HOST, POSTHOG_API_KEY (a
# personal API key with person:read and person:write) and POSTHOG_PROJECT_ID.
provider "posthog" {}

variable "requests_dir" {
  description = "The folder, relative to this configuration, that holds the request files (one JSON file per request)."
  type        = string
  default     = "requests"
}

locals {
  request_files = fileset("${path.module}/${var.requests_dir}", "*.json")

  # Keyed by ticket: two files for the same ticket fail the plan with a
  # duplicate key error. Fields the module does not use (received, note,
  # ...) stay in the file for the reviewer.
  requests = {
    for file in local.request_files :
    jsondecode(file("${path.module}/${var.requests_dir}/${file}")).ticket => jsondecode(file("${path.module}/${var.requests_dir}/${file}"))
  }
}

module "erasure_request" {
  source   = "./modules/erasure-request"
  for_each = local.requests

  request = {
    ticket                   = each.key
    type                     = each.value.type
    distinct_ids             = try(each.value.distinct_ids, null)
    uuids                    = try(each.value.uuids, null)
    delete_events            = try(each.value.delete_events, false)
    delete_recordings        = try(each.value.delete_recordings, false)
    wait_for_events_deletion = try(each.value.wait_for_events_deletion, false)
  }
}

output "evidence" {
  description = "Each request's evidence record (a JSON document), by ticket, for the pipeline to archive."
  value       = { for ticket, request in module.erasure_request : ticket => request.evidence }
  # terraform output -json evidence prints it for the archive.
  sensitive = true
}

output "deleted_person_count" {
  description = "Persons deleted for each ticket."
  value       = { for ticket, request in module.erasure_request : ticket => request.deleted_person_count }
}

output "unmatched_ids" {
  description = "Requested ids that matched no person, by ticket (tickets without any are left out)."
  value = {
    for ticket, request in module.erasure_request : ticket => request.unmatched_ids
    if length(coalesce(request.unmatched_ids, [])) > 0
  }
}

output "returning_persons" {
  description = "Persons that exist again for a ticket's ids (returning users), as of the last refresh; tickets without any are left out."
  value = {
    for ticket, request in module.erasure_request : ticket => request.remaining_person_uuids
    if length(coalesce(request.remaining_person_uuids, [])) > 0
  }
}

output "events_deletion_status" {
  description = "not_requested, none, pending (PostHog's weekly job has not run yet) or completed, by ticket."
  value       = { for ticket, request in module.erasure_request : ticket => request.events_deletion_status }
}
