# Thousands of erasure tickets in one resource: tickets.json maps each
# ticket to the distinct ids it asks to erase, and grows as tickets arrive.
# Every lookup and bulk_delete is shared by all tickets, in full batches;
# the plan lists in preview_tickets (and in its warning) the tickets it
# deletes persons for, and the evidence keeps a record per ticket.
resource "posthog_person_deletion" "erasure_tickets" {
  tickets_file  = "${path.module}/tickets.json"
  delete_events = true
  reason        = "GDPR Art. 17 erasure tickets (legal queue)"
}

output "tickets_in_this_plan" {
  value = posthog_person_deletion.erasure_tickets.preview_tickets
}
