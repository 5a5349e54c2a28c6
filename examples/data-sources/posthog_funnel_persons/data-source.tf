# The persons who started a checkout but dropped off before paying
# (step = -3: they did step 2 but not step 3).
data "posthog_funnel_persons" "abandoned_checkout" {
  steps = [
    # A step can be a saved action (its id, from PostHog's Data management,
    # Actions) instead of an event.
    { action_id = 42 },
    { event = "started checkout" },
    {
      event = "paid"
      properties = [
        {
          key      = "amount"
          operator = "gt"
          value    = "0"
        },
        # value_json sends typed values: numbers, booleans, or a list
        # (any of them matches).
        {
          key        = "plan"
          operator   = "exact"
          value_json = jsonencode(["pro", "enterprise"])
        },
      ]
    },
  ]
  date_from       = "2024-06-01"
  date_to         = "2024-06-30"
  window_interval = 1
  window_unit     = "day"
  order_type      = "ordered"
  step            = -3
  limit           = 500

  # Leave out persons who emptied their cart between starting the checkout
  # (step 1, numbered from 0) and paying (step 2).
  exclusions = [{
    event            = "emptied cart"
    funnel_from_step = 1
    funnel_to_step   = 2
  }]

  # Leave out the project's test accounts (its "Filter out internal and test
  # users" settings), as PostHog's funnel insight does with that toggle on.
  filter_test_accounts = true

  # On an older self-hosted PostHog without the Query API, "auto" falls back
  # to the legacy persons/funnel/ endpoint; "query" or "legacy" force one.
  api = "auto"
}

output "abandoned_checkout_ids" {
  value = [for p in data.posthog_funnel_persons.abandoned_checkout.persons : p.distinct_ids[0]]
}

# The persons behind one bar of a funnel broken down by browser: those who
# signed up on Safari (by PostHog's default first-touch attribution, the
# earliest of their funnel events that has a browser) and did not verify
# their email.
data "posthog_funnel_persons" "unverified_safari_signups" {
  steps = [
    { event = "signed up" },
    { event = "verified email" },
  ]
  date_from = "-30d"
  step      = -2

  breakdown = {
    property = "$browser"
    value    = "Safari"
  }
}
