# Tests of the pipeline that never touch PostHog: the posthog provider is
# mocked, so the provider's computed attributes come from the defaults below
# (or from override_resource in a run). Run with `terraform test` in
# examples/erasure-pipeline (see the README for the local-build setup).

mock_provider "posthog" {
  mock_resource "posthog_person_deletion" {
    defaults = {
      preview_person_count       = 1
      preview_unmatched_id_count = 0
      preview_unmatched_ids      = []
      deleted_person_count       = 1
      unmatched_ids              = []
      unmatched_id_count         = 0
      remaining_person_count     = 0
      remaining_person_uuids     = []
      events_deletion_status     = "pending"
      evidence                   = "{\"format_version\":1}"
    }
  }
}

# Runs apply against the mock: a plan would leave the provider's computed
# attributes unknown, and terraform test reports a check block that cannot be
# evaluated yet as an error.
run "each_request_file_is_one_deletion" {
  command = apply

  assert {
    condition     = toset(keys(module.erasure_request)) == toset([for f in fileset("${path.module}/requests", "*.json") : trimsuffix(f, ".json")])
    error_message = "Every file in requests/ must yield one erasure request, keyed by its ticket (the file name)."
  }

  assert {
    condition     = alltrue([for ticket, request in module.erasure_request : request.deletion.reason == ticket])
    error_message = "Every deletion must carry its request's ticket as its reason."
  }

  assert {
    condition     = module.erasure_request["GDPR-2041"].deletion.delete_events && module.erasure_request["GDPR-2041"].deletion.delete_recordings
    error_message = "GDPR-2041 is a GDPR erasure: it must delete events and recordings."
  }

  assert {
    condition     = module.erasure_request["GDPR-2041"].deletion.distinct_ids == tolist(["user_10482", "anon_4f1c9a27"])
    error_message = "GDPR-2041 must request exactly the distinct ids of its request file."
  }

  assert {
    condition     = module.erasure_request["CCPA-311"].deletion.delete_events && !module.erasure_request["CCPA-311"].deletion.delete_recordings
    error_message = "CCPA-311 asks for events to be deleted and recordings to be kept."
  }

  assert {
    condition     = !module.erasure_request["DSR-7730"].deletion.delete_events && !module.erasure_request["DSR-7730"].deletion.delete_recordings
    error_message = "DSR-7730 (account closure) deletes the person only."
  }
}

run "evidence_is_an_output_per_ticket" {
  command = apply

  assert {
    condition     = keys(output.evidence) == keys(module.erasure_request)
    error_message = "The evidence output must hold one record per ticket, for the pipeline to archive."
  }

  assert {
    condition     = alltrue([for ticket, record in output.evidence : jsondecode(record).format_version == 1])
    error_message = "Each evidence record must be the deletion's JSON document as it is."
  }

  assert {
    condition     = output.unmatched_ids == {} && output.returning_persons == {}
    error_message = "With every id matched and nobody back, no ticket is listed under unmatched_ids or returning_persons."
  }
}

# The module on its own: its variable validation stops a GDPR request that
# keeps events, before any plan reaches PostHog.
run "gdpr_request_must_delete_events" {
  command = plan

  module {
    source = "./modules/erasure-request"
  }

  variables {
    request = {
      ticket            = "GDPR-9001"
      type              = "gdpr"
      distinct_ids      = ["user_1"]
      delete_events     = false
      delete_recordings = true
    }
  }

  expect_failures = [var.request]
}

run "gdpr_ticket_must_be_a_gdpr_request" {
  command = plan

  module {
    source = "./modules/erasure-request"
  }

  variables {
    request = {
      ticket       = "GDPR-9002"
      type         = "account_closure"
      distinct_ids = ["user_2"]
    }
  }

  expect_failures = [var.request]
}

# A request whose ids match nobody passes, but its check warns the reviewer.
run "unmatched_ids_are_surfaced" {
  command = apply

  module {
    source = "./modules/erasure-request"
  }

  variables {
    request = {
      ticket       = "DSR-9003"
      type         = "account_closure"
      distinct_ids = ["user_3", "user_typo"]
    }
  }

  override_resource {
    target = posthog_person_deletion.this
    values = {
      preview_person_count       = 1
      preview_unmatched_id_count = 1
      preview_unmatched_ids      = ["user_typo"]
    }
  }

  expect_failures = [check.every_requested_id_matched_a_person]
}
