package emulator

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// guard describes what an action needs, mirroring DRF's initial(): authentication,
// then permissions (scopes, project access, team existence), then throttles.
type guard struct {
	scopes   []string // required_scopes; nil = the action declares none (docs/dev/posthog-behaviour.md#authentication-and-scopes)
	methods  []string // allowed methods; others give 405 after authentication
	deletion bool     // uses the persons_delete_* throttles instead of ClickHouse burst (docs/dev/posthog-behaviour.md#rate-limits)
	rates    []rate   // the action's throttles when set, instead of the above
}

// check writes the error response and returns false when the request must stop.
func (s *Server) check(w http.ResponseWriter, r *http.Request, g guard) bool {
	key, ok := s.authenticate(w, r)
	if !ok {
		return false
	}
	if !slices.Contains(g.methods, r.Method) {
		errMethodNotAllowed(w, r.Method)
		return false
	}
	if !s.checkScopes(w, key, g.scopes) {
		return false
	}
	pid, ok := s.projectID(r)
	if key.Projects != nil && (!ok || !slices.Contains(key.Projects, pid)) {
		writeError(w, http.StatusForbidden, "authentication_error", "permission_denied",
			"API key does not have access to the requested project: ID "+r.PathValue("project_id")+".")
		return false
	}
	if !ok || pid != s.cfg.ProjectID {
		// The emulator hosts one project. An unknown team id is a 404 "Not found."
		// (the team lookup in TeamMemberAccessPermission raises NotFound; UNVERIFIED
		// for keys with access to all projects).
		errNotFound(w)
		return false
	}
	if s.cfg.RateLimit {
		rates := burstRates
		if g.deletion {
			rates = deleteRates
		}
		if g.rates != nil {
			rates = g.rates
		}
		if wait, throttled := s.throttle.check(key.Key, rates); throttled {
			writeThrottled(w, ceilSeconds(wait))
			return false
		}
	}
	return true
}

// projectID parses {project_id}; "@current" means the only project.
func (s *Server) projectID(r *http.Request) (int, bool) {
	raw := r.PathValue("project_id")
	if raw == "@current" {
		return s.cfg.ProjectID, true
	}
	n, err := strconv.Atoi(raw)
	return n, err == nil
}

// authenticate implements PersonalAPIKeyAuthentication: a Bearer header (or the
// personal_api_key query parameter). The project token is not a personal key.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*APIKey, bool) {
	token, source := "", ""
	if h := r.Header.Get("Authorization"); h != "" {
		if v, ok := strings.CutPrefix(h, "Bearer "); ok {
			token, source = strings.TrimSpace(v), "Authorization header"
		}
	}
	if token == "" {
		if v := r.URL.Query().Get("personal_api_key"); v != "" {
			token, source = v, "query string"
		}
	}
	if token == "" {
		// DRF NotAuthenticated, mapped to authentication_error (docs/dev/posthog-behaviour.md#error-bodies).
		writeError(w, http.StatusUnauthorized, "authentication_error", "not_authenticated",
			"Authentication credentials were not provided.")
		return nil, false
	}
	for i := range s.cfg.APIKeys {
		if s.cfg.APIKeys[i].Key == token {
			return &s.cfg.APIKeys[i], true
		}
	}
	// Wording of PostHog's AuthenticationFailed for a bad personal key (UNVERIFIED).
	writeError(w, http.StatusUnauthorized, "authentication_error", "authentication_failed",
		"Personal API key found in request "+source+" is invalid.")
	return nil, false
}

// checkScopes implements APIScopePermission (docs/dev/posthog-behaviour.md#authentication-and-scopes): legacy keys pass; an action with
// no declared scopes refuses every scoped key (even "*", checked first); ":write"
// satisfies ":read"; "*" satisfies anything declared.
func (s *Server) checkScopes(w http.ResponseWriter, key *APIKey, required []string) bool {
	if len(key.Scopes) == 0 {
		return true
	}
	if len(required) == 0 {
		writeError(w, http.StatusForbidden, "authentication_error", "permission_denied",
			"This action does not support Personal API Key access")
		return false
	}
	if slices.Contains(key.Scopes, "*") {
		return true
	}
	for _, need := range required {
		if slices.Contains(key.Scopes, need) {
			continue
		}
		if obj, ok := strings.CutSuffix(need, ":read"); ok && slices.Contains(key.Scopes, obj+":write") {
			continue
		}
		writeError(w, http.StatusForbidden, "authentication_error", "permission_denied",
			"API key missing required scope '"+need+"'")
		return false
	}
	return true
}

// keyFor returns the API key a request authenticated with (after s.check succeeded).
func (s *Server) keyFor(r *http.Request) *APIKey {
	token := ""
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = strings.TrimSpace(v)
	}
	if token == "" {
		token = r.URL.Query().Get("personal_api_key")
	}
	for i := range s.cfg.APIKeys {
		if s.cfg.APIKeys[i].Key == token {
			return &s.cfg.APIKeys[i]
		}
	}
	return nil
}
