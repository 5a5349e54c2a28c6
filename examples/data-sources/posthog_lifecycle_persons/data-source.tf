# Who came back yesterday after being away? The persons behind the
# "resurrecting" bar of a daily pageview lifecycle.
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
  day       = "2024-06-03"
  status    = "resurrecting"
  limit     = 200
}

output "resurrected_emails" {
  value     = [for p in data.posthog_lifecycle_persons.resurrected.persons : jsondecode(p.properties).email]
  sensitive = true
}

output "more_than_200" {
  value = data.posthog_lifecycle_persons.resurrected.has_more
}
