package posthog

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// endpoint is one PostHog route the client calls: its method, its path below
// the project, and the throttle class PostHog counts it in
// (docs/dev/posthog-behaviour.md#rate-limits). Every route is declared here
// once; no other code builds an API path.
type endpoint struct {
	method string
	path   string // below /api/projects/{project_id}/; "{id}" stands for one escaped id
	class  RateClass
}

var (
	endpointBatchByDistinctIDs = endpoint{http.MethodPost, "persons/batch_by_distinct_ids/", RateClassPersonsRead}
	endpointBatchByUUIDs       = endpoint{http.MethodPost, "persons/batch_by_uuids/", RateClassPersonsRead}
	endpointBulkDelete         = endpoint{http.MethodPost, "persons/bulk_delete/", RateClassDelete}
	endpointDeletionStatus     = endpoint{http.MethodGet, "persons/deletion_status/", RateClassPersonsRead}
	endpointPersonCohorts      = endpoint{http.MethodGet, "persons/cohorts/", RateClassPersonsRead}

	// Person lists: the persons list with a property filter, one cohort and
	// its persons (docs/dev/posthog-behaviour.md#listing-persons,
	// docs/dev/posthog-behaviour.md#cohorts).
	endpointPersonsList   = endpoint{http.MethodGet, "persons/", RateClassPersonsRead}
	endpointCohort        = endpoint{http.MethodGet, "cohorts/{id}/", RateClassPersonsRead}
	endpointCohortPersons = endpoint{http.MethodGet, "cohorts/{id}/persons/", RateClassPersonsRead}

	// Saved insights, one by id or listed by short id; PostHog counts them in
	// clickhouse_burst with the persons endpoints (docs/dev/posthog-behaviour.md#saved-insights).
	endpointInsight  = endpoint{http.MethodGet, "insights/{id}/", RateClassPersonsRead}
	endpointInsights = endpoint{http.MethodGet, "insights/", RateClassPersonsRead}

	// The Query API: creating a query, and polling an asynchronous one
	// (docs/dev/posthog-behaviour.md#query-api).
	endpointQuery       = endpoint{http.MethodPost, "query/", RateClassQuery}
	endpointQueryStatus = endpoint{http.MethodGet, "query/{id}/", RateClassQuery}

	// The legacy actor endpoints, which PostHog removed; the funnel ones
	// take their filter as a query string (GET) or a JSON body (POST)
	// (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
	endpointLegacyLifecycle             = endpoint{http.MethodGet, "persons/lifecycle/", RateClassPersonsRead}
	endpointLegacyFunnel                = endpoint{http.MethodGet, "persons/funnel/", RateClassPersonsRead}
	endpointLegacyFunnelPOST            = endpoint{http.MethodPost, "persons/funnel/", RateClassPersonsRead}
	endpointLegacyFunnelCorrelation     = endpoint{http.MethodGet, "persons/funnel/correlation/", RateClassPersonsRead}
	endpointLegacyFunnelCorrelationPOST = endpoint{http.MethodPost, "persons/funnel/correlation/", RateClassPersonsRead}
)

// template is the endpoint's path as logs show it: no project or other ids.
func (e endpoint) template() string { return "/api/projects/{project_id}/" + e.path }

// at is the escaped path of the endpoint in a project; id fills "{id}".
func (e endpoint) at(projectID int64, id string) string {
	return fmt.Sprintf("/api/projects/%d/%s", projectID, strings.Replace(e.path, "{id}", url.PathEscape(id), 1))
}
