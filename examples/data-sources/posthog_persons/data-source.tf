# Look up the persons of an erasure request before deleting them.
data "posthog_persons" "request" {
  distinct_ids = ["user-8841", "jane.doe@example.com", "device-7f3a"]
}

# The person of one requested id, and one of its properties.
locals {
  jane       = data.posthog_persons.request.persons[data.posthog_persons.request.person_uuids["jane.doe@example.com"]]
  jane_plan  = jsondecode(local.jane.properties).plan
  not_in_ph  = data.posthog_persons.request.unmatched_ids
  person_cnt = data.posthog_persons.request.found_count
}

output "unmatched_ids" {
  value = local.not_in_ph
}
