package acctest

import (
	"fmt"
	"net/http"
	"testing"
)

// CreateInsight saves an insight through the emulator's insights API, as a
// PostHog user would, and returns its id and short id. key needs
// insight:write. insight is the request body, for example {"name": "Signup
// funnel", "query": {"kind": "InsightVizNode", "source": {...}}}.
func (e *Env) CreateInsight(t testing.TB, key string, insight map[string]any) (int64, string) {
	t.Helper()
	created := e.callAPI(t, key, http.MethodPost, "/api/projects/1/insights/", insight, http.StatusCreated)
	id, okID := created["id"].(float64)
	shortID, okShort := created["short_id"].(string)
	if !okID || !okShort {
		t.Fatalf("insight created without an id and a short id: %v", created)
	}
	return int64(id), shortID
}

// UpdateInsight PATCHes an insight through the insights API; {"deleted":
// true} is how PostHog deletes one. key needs insight:write.
func (e *Env) UpdateInsight(t testing.TB, key string, id int64, changes map[string]any) {
	t.Helper()
	e.callAPI(t, key, http.MethodPatch, fmt.Sprintf("/api/projects/1/insights/%d/", id), changes, http.StatusOK)
}
