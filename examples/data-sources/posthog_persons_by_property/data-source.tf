# Erasure requests that name users by their email address. The comparison is
# exact and case-sensitive: write the addresses as your app stores them.
data "posthog_persons_by_property" "erasure_requests" {
  key    = "email"
  values = ["jane@example.com", "john.doe@example.org"]
}

# A snapshot of the persons found: once they are deleted, the data source
# finds nobody, and the deletion must keep its request (see the guide
# "Deletions driven by a data source").
resource "terraform_data" "erasure_requests" {
  input = data.posthog_persons_by_property.erasure_requests.person_uuids

  lifecycle {
    ignore_changes = [input]
  }
}

resource "posthog_person_deletion" "erasure_requests" {
  uuids  = terraform_data.erasure_requests.input
  reason = "PRIV-2304: erasure requests by email"
}

# Addresses that matched nobody: check the spelling and letter case, or tell
# the requester that PostHog holds nothing under that address.
output "emails_not_found" {
  value     = data.posthog_persons_by_property.erasure_requests.unmatched_values
  sensitive = true
}
