#!/usr/bin/env bash
# Summarises a drift-review plan of posthog_person_deletion resources as
# Markdown: returning users (persons that exist again for a deleted
# request's ids, which the plan deletes again), event deletions that PostHog
# has completed since the last apply, and every other planned change.
#
# Usage: drift-report.sh PLAN_JSON   (the output of terraform show -json PLAN)
# Needs jq. Prints the report on stdout; exits 0.
set -euo pipefail

plan_json=${1:?usage: drift-report.sh PLAN_JSON}

jq -r '
  def deletions: [.[]? | select(.mode == "managed" and .type == "posthog_person_deletion")];
  def ticket: (.change.after.reason // .change.before.reason // "(no reason)");
  def actions: (.change.actions | join("+"));

  # In a plan, "before" is the state as refreshed from PostHog: the persons
  # that the requested ids resolve to now.
  ([.resource_changes | deletions[]
    | select((.change.before.remaining_person_count // 0) > 0 and (.change.before.keep_person | not))]) as $returning
  # Refresh-only changes: events_deletion_status moved to completed since the
  # last apply.
  | ([.resource_drift | deletions[]
    | select(.change.before.events_deletion_status != "completed" and .change.after.events_deletion_status == "completed")]) as $completed
  | ([.resource_changes | deletions[]
    | select(.change.actions != ["no-op"] and .change.actions != ["read"])
    | select(.address as $a | $returning | map(.address) | index($a) | not)]) as $other
  | "# PostHog drift review",
    "",
    "## Returning users (\($returning | length) requests)",
    "",
    if ($returning | length) == 0 then "None: no deleted person has come back." else
      "Persons exist again for these requests; applying the plan deletes them again.",
      "",
      "| ticket | persons back | person uuids | plan action | address |",
      "|---|---|---|---|---|",
      ($returning[] | "| \(ticket) | \(.change.before.remaining_person_count) | \(.change.before.remaining_person_uuids // [] | join(", ")) | \(actions) | `\(.address)` |")
    end,
    "",
    "## Completed event deletions (\($completed | length) requests)",
    "",
    if ($completed | length) == 0 then "None since the last apply." else
      "PostHog has verified the event deletion; `terraform apply -refresh-only` records it in state and in the evidence.",
      "",
      "| ticket | verified at | was | address |",
      "|---|---|---|---|",
      ($completed[] | "| \(ticket) | \(.change.after.events_deletion_verified_at // "") | \(.change.before.events_deletion_status) | `\(.address)` |")
    end,
    "",
    "## Other planned changes (\($other | length))",
    "",
    if ($other | length) == 0 then "None." else
      ($other[] | "- `\(.address)` (\(ticket)): \(actions)")
    end
' "$plan_json"
