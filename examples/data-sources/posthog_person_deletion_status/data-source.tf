# Event deletions that PostHog's weekly job has not verified yet.
data "posthog_person_deletion_status" "pending" {
  status = "pending"
}

output "pending_event_deletions" {
  value = data.posthog_person_deletion_status.pending.pending_count
}
