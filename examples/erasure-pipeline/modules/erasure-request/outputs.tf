output "reason" {
  description = "The ticket recorded as the deletion's reason."
  value       = posthog_person_deletion.this.reason
}

output "evidence" {
  description = "The deletion's evidence record, one JSON document to archive as it is."
  value       = posthog_person_deletion.this.evidence
  # It names the requested ids that matched nobody: kept out of plan output.
  sensitive = true
}

output "deleted_person_count" {
  description = "How many persons this request has deleted, over all applies."
  value       = posthog_person_deletion.this.deleted_person_count
}

output "unmatched_ids" {
  description = "The requested ids that matched no person."
  value       = posthog_person_deletion.this.unmatched_ids
}

output "remaining_person_uuids" {
  description = "The persons that exist again for the requested ids (returning users), as of the last refresh."
  value       = posthog_person_deletion.this.remaining_person_uuids
}

output "events_deletion_status" {
  description = "not_requested, none, pending (PostHog's weekly job has not run yet) or completed."
  value       = posthog_person_deletion.this.events_deletion_status
}

output "deletion" {
  description = "The whole posthog_person_deletion of this request, for callers and tests that need another attribute."
  value       = posthog_person_deletion.this
  # Holds the evidence record, which is sensitive.
  sensitive = true
}
