# Who came back yesterday after being away? The persons behind the
# "resurrecting" bar of a daily pageview lifecycle.
#
# day must lie within the date range: a fixed day behind a relative
# date_from (such as "-14d") would list nobody once the range has moved on,
# so the plan rejects it. Here day follows the plan's date, inside the last
# 14 days (plantimestamp() needs Terraform 1.5 or later). For a fixed
# period, give fixed dates instead:
#   date_from = "2024-05-20", date_to = "2024-06-03", day = "2024-06-03".
locals {
  yesterday = formatdate("YYYY-MM-DD", timeadd(plantimestamp(), "-24h"))
}

data "posthog_lifecycle_persons" "resurrected" {
  events = [{
    event = "$pageview"
    properties = [{
      key      = "$host"
      operator = "icontains"
      value    = "app.example.com"
    }]
  }]
  date_from = "-14d"
  interval  = "day"
  day       = local.yesterday
  status    = "resurrecting"
  limit     = 200

  # Leave out the project's test accounts.
  filter_test_accounts = true

  # Only members of a cohort (its id, from the cohort's URL in PostHog);
  # operator = "not_in" would leave them out instead.
  properties = [{
    type  = "cohort"
    key   = "id"
    value = "17"
  }]
}

output "resurrected_emails" {
  value     = [for p in data.posthog_lifecycle_persons.resurrected.persons : jsondecode(p.properties).email]
  sensitive = true
}

output "more_than_200" {
  value = data.posthog_lifecycle_persons.resurrected.has_more
}
