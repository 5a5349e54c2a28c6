# A bulk erasure: one distinct id per line in a file next to this
# configuration. Plan and state show requested_count and requested_digest
# instead of the ids; editing the file shows as a change of both.
resource "posthog_person_deletion" "churned_2024" {
  distinct_ids_file = "${path.module}/churned-2024.txt"
  delete_recordings = true
  reason            = "RET-2024: accounts closed in 2024"
}

# By person UUID, one per line.
resource "posthog_person_deletion" "ticket_4800" {
  uuids_file = "${path.module}/ticket-4800-uuids.txt"
  reason     = "DSR-4800"
}

output "churned_2024_deleted" {
  value = {
    requested = posthog_person_deletion.churned_2024.requested_count
    deleted   = posthog_person_deletion.churned_2024.deleted_person_count
    unmatched = posthog_person_deletion.churned_2024.unmatched_id_count
    digest    = posthog_person_deletion.churned_2024.deleted_person_uuids_digest
  }
}
