# Where else is this user's data used? List the cohorts the person is in.
data "posthog_person_cohorts" "jane" {
  person_id = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
}

output "jane_cohorts" {
  value = [for c in data.posthog_person_cohorts.jane.cohorts : c.name]
}
