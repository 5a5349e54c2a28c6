variable "request" {
  description = "One erasure request, as read from a request file: its ticket, its type and the ids to delete."
  type = object({
    # The ticket that tracks the request; it becomes the deletion's reason.
    # GDPR requests are GDPR-<number> tickets, and only they are.
    ticket = string
    # gdpr (GDPR Art. 17 erasure), ccpa (CCPA deletion) or account_closure.
    type                     = string
    distinct_ids             = optional(list(string))
    uuids                    = optional(list(string))
    delete_events            = optional(bool, false)
    delete_recordings        = optional(bool, false)
    wait_for_events_deletion = optional(bool, false)
  })

  validation {
    condition     = can(regex("^[A-Z][A-Z0-9]*-[0-9]+$", var.request.ticket))
    error_message = "The ticket must look like GDPR-2041 or DSR-7730 (upper-case prefix, dash, number): got \"${var.request.ticket}\"."
  }

  validation {
    condition     = contains(["gdpr", "ccpa", "account_closure"], var.request.type)
    error_message = "Request ${var.request.ticket}: type must be gdpr, ccpa or account_closure, got \"${var.request.type}\"."
  }

  # The policies read only the plan, where the reason (the ticket) is all that
  # says a request is a GDPR erasure; the two must agree.
  validation {
    condition     = (var.request.type == "gdpr") == startswith(var.request.ticket, "GDPR-")
    error_message = "Request ${var.request.ticket}: GDPR requests, and only they, are tracked as GDPR-<number> tickets; fix the ticket or the type."
  }

  validation {
    condition     = var.request.type != "gdpr" || (var.request.delete_events && var.request.delete_recordings)
    error_message = "Request ${var.request.ticket} is a GDPR erasure: it must delete the person's events and recordings too (set delete_events and delete_recordings to true)."
  }

  validation {
    condition     = (var.request.distinct_ids == null) != (var.request.uuids == null)
    error_message = "Request ${var.request.ticket}: give either distinct_ids or uuids, not both and not neither."
  }

  validation {
    condition     = length(coalesce(var.request.distinct_ids, var.request.uuids, [])) > 0
    error_message = "Request ${var.request.ticket} names no id to delete."
  }
}
