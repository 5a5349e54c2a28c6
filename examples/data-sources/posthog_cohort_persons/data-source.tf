# Erase everyone in the cohort "Closed accounts - November" (id 412).
data "posthog_cohort_persons" "closed_accounts" {
  cohort_id = 412
  limit     = 5000

  lifecycle {
    # A partial list would erase only part of the cohort.
    postcondition {
      condition     = !self.has_more
      error_message = "The cohort has more than 5000 members: raise limit."
    }
  }
}

# A snapshot, so that the plans after the deletion stay empty while the
# cohort empties (see the guide "Deletions driven by a data source").
resource "terraform_data" "closed_accounts" {
  input = data.posthog_cohort_persons.closed_accounts.person_uuids

  lifecycle {
    ignore_changes = [input]
  }
}

resource "posthog_person_deletion" "closed_accounts" {
  uuids  = terraform_data.closed_accounts.input
  reason = "PRIV-2291: accounts closed in November"
}
