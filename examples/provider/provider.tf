terraform {
  required_providers {
    posthog = {
      source = "posthog-persons/posthog"
    }
  }
}

# Settings may also come from POSTHOG_HOST, POSTHOG_API_KEY and
# POSTHOG_PROJECT_ID; values set here win over the environment.
provider "posthog" {
  host       = "https://eu.posthog.com"
  project_id = "12345"
  # api_key comes from POSTHOG_API_KEY so that it stays out of the repository.
}
