package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// The project's test-account filters (the team's test_account_filters): a
// list of property filters that insights AND into their event filter when the
// query says filterTestAccounts (docs/dev/posthog-behaviour.md#query-api).

// SetTestAccountFilters replaces the project's test-account filters, a JSON
// list of property filters as PostHog stores them; nil or empty clears them.
func (s *Server) SetTestAccountFilters(filters []any) error {
	f, qerr := parsePFilters(querySyntax, "test_account_filters", filters)
	if qerr != nil {
		return fmt.Errorf("invalid test-account filters: %s", qerr.detail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.testAccounts = f
	return nil
}

// insightFilter is an insight's event filter: its own properties, AND the
// test-account filters when the query asks for them. s.mu held.
func (s *Server) insightFilter(props *pfilter, filterTestAccounts bool) *pfilter {
	if !filterTestAccounts {
		return props
	}
	return andFilters(props, s.testAccounts)
}

// handleTestAccountFilters is POST /_emulator/test-account-filters with body
// {"filters": [...]}.
func (s *Server) handleTestAccountFilters(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Filters []any `json:"filters"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		controlError(w, "invalid JSON: "+err.Error())
		return
	}
	if err := s.SetTestAccountFilters(body.Filters); err != nil {
		controlError(w, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}
