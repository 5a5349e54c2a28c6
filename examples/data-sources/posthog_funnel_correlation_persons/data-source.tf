# Signed-up persons who watched the onboarding video but never paid.
data "posthog_funnel_correlation_persons" "video_not_converted" {
  steps     = [{ event = "user signed up" }, { event = "paid" }]
  date_from = "-30d"
  event     = { event = "watched onboarding video" }
  converted = "false"

  # Leave out the project's test accounts.
  filter_test_accounts = true
}

# Converted persons on the Chrome browser (a property correlation).
data "posthog_funnel_correlation_persons" "chrome_converted" {
  steps     = [{ event = "user signed up" }, { event = "paid" }]
  date_from = "-30d"
  property_values = [{
    key   = "$browser"
    type  = "person"
    value = "Chrome"
  }]
  converted = "true"
  limit     = 50
}

output "video_not_converted_count" {
  value = length(data.posthog_funnel_correlation_persons.video_not_converted.persons)
}
