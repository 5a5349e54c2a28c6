# The persons who dropped off at step 3 of the team's saved "Trial to paid"
# funnel: they did step 2 but not step 3. The insight's short id is the part
# after /insights/ in its URL. Its steps, date range, filters, exclusions
# and "Filter out internal and test users" toggle all come from the saved
# insight, so the list is the one the chart's "view persons" shows.
data "posthog_insight_persons" "trial_dropoffs" {
  insight_short_id = "aBcD1234"
  funnel_step      = -3
  limit            = 500
}

output "trial_dropoff_ids" {
  value = [for p in data.posthog_insight_persons.trial_dropoffs.persons : p.distinct_ids[0]]
}

# One breakdown value of a funnel broken down by browser: the Safari users
# who reached step 2.
data "posthog_insight_persons" "safari_step_2" {
  insight_id            = 4211
  funnel_step           = 2
  funnel_step_breakdown = "Safari"
}

# The users a saved weekly lifecycle counts as resurrecting in the week
# starting 2024-06-03.
data "posthog_insight_persons" "resurrected" {
  insight_short_id = "Lc9xQ2mZ"
  day              = "2024-06-03"
  status           = "resurrecting"
}
