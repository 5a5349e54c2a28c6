// Package emulator is an in-memory emulation of the parts of the PostHog API the
// provider uses: capture ingestion, the persons REST API, cohorts and the Query
// API's actor queries. Every behaviour follows docs/dev/posthog-behaviour.md,
// cited by section, for example (docs/dev/posthog-behaviour.md#rate-limits).
//
// Files are named area_concern.go: persons_*.go (the persons endpoints),
// cohorts_*.go (cohorts and their filters), query_*.go (the Query API),
// legacy_actors.go (the removed actor endpoints), property_match.go (the one
// property-matching engine they all use); server.go, auth.go, throttle.go,
// errors.go, request.go, store.go, ingest.go, faults.go, stats.go and
// control.go hold what every area shares.
package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// APIKey is a personal API key. Empty Scopes = legacy unscoped key, allowed
// everything (docs/dev/posthog-behaviour.md#authentication-and-scopes); nil
// Projects = all projects.
type APIKey struct {
	Key      string
	Scopes   []string
	Projects []int
	// NoCurrentTeam emulates a key whose user has no current team (request.user.team
	// is None). Only the persons cohorts action looks at it: it answers with its
	// hand-built 400 {"message","detail"} body (docs/dev/posthog-behaviour.md#cohorts).
	NoCurrentTeam bool
}

// Config configures a Server. Zero values get the documented defaults.
type Config struct {
	ProjectID            int    // default 1
	ProjectToken         string // default "phc_emulator"
	APIKeys              []APIKey
	BulkDeleteMode       string        // "sync" (default) or "async"
	AsyncDeleteDelay     time.Duration // default 500ms
	LegacyActorEndpoints bool
	NoQueryAPI           bool   // unroute /query/ (404 "Endpoint not found."), like a PostHog without the Query API
	LegacyQueryThrottles bool   // query throttles of legacy teams (clickhouse_*) instead of api_queries_*
	AsyncQueries         bool   // refresh async/force_async/lazy_async answer 202 and are polled at /query/<id>/
	AsyncQueryPolls      int    // polls answering 202 before the result; default 1
	Timezone             string // team timezone for lifecycle/funnel periods; default UTC
	WeekStartDay         int    // team week_start_day: 0 = Sunday (default), 1 = Monday
	TestAccountFilters   []any  // team test_account_filters: property filters, as JSON decodes them
	RateLimit            bool
	RateLimitScale       float64 // default 1
	DeletionJobEvery     time.Duration
	Fault429             float64
	Fault5xx             float64
	FaultDrop            float64
	Latency              time.Duration
	FaultSeed            int64
	Now                  func() time.Time
	Logf                 func(format string, args ...any)
}

// Server is the emulator; it implements http.Handler and is safe for concurrent use.
type Server struct {
	cfg    Config
	api    *http.ServeMux
	ctl    *http.ServeMux
	offset atomic.Int64 // clock offset in ns, set through AdvanceClock / /_emulator/clock

	mu           sync.Mutex // guards st, asyncQueries, asyncPolls and testAccounts
	st           *store
	asyncQueries bool
	asyncPolls   int
	testAccounts *pfilter // the team's test_account_filters

	stats    *statsRecorder
	throttle *throttler
	faults   *faults

	closeOnce sync.Once
	done      chan struct{}
	wg        sync.WaitGroup
}

// New builds a Server and starts its background goroutines (see Close).
func New(cfg Config) *Server {
	if cfg.ProjectID == 0 {
		cfg.ProjectID = 1
	}
	if cfg.ProjectToken == "" {
		cfg.ProjectToken = "phc_emulator"
	}
	if len(cfg.APIKeys) == 0 {
		cfg.APIKeys = []APIKey{{Key: "phx_emulator", Scopes: []string{"*"}}}
	}
	if cfg.BulkDeleteMode == "" {
		cfg.BulkDeleteMode = "sync"
	}
	if cfg.AsyncDeleteDelay == 0 {
		cfg.AsyncDeleteDelay = 500 * time.Millisecond
	}
	if cfg.RateLimitScale <= 0 {
		cfg.RateLimitScale = 1
	}
	s := &Server{
		asyncQueries: cfg.AsyncQueries,
		asyncPolls:   max(cfg.AsyncQueryPolls, 1),
		cfg:          cfg,
		st:           newStore(cfg.ProjectID),
		stats:        newStatsRecorder(),
		throttle:     newThrottler(cfg.RateLimitScale),
		faults:       newFaults(cfg),
		done:         make(chan struct{}),
	}
	if err := s.SetTestAccountFilters(cfg.TestAccountFilters); err != nil {
		panic("emulator: Config.TestAccountFilters: " + err.Error())
	}
	s.api = http.NewServeMux()
	s.ctl = http.NewServeMux()
	s.routes()
	s.controlRoutes()
	if cfg.DeletionJobEvery > 0 {
		s.wg.Add(1)
		go s.deletionJobLoop(cfg.DeletionJobEvery)
	}
	if cfg.BulkDeleteMode == "async" {
		s.wg.Add(1)
		go s.queueLoop()
	}
	return s
}

// Close stops background goroutines. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
	s.wg.Wait()
}

func (s *Server) now() time.Time {
	base := time.Now
	if s.cfg.Now != nil {
		base = s.cfg.Now
	}
	return base().Add(time.Duration(s.offset.Load())).UTC()
}

// AdvanceClock moves the emulator clock forward (or back, with d < 0).
func (s *Server) AdvanceClock(d time.Duration) { s.offset.Add(int64(d)) }

func (s *Server) setClock(t time.Time) {
	base := time.Now
	if s.cfg.Now != nil {
		base = s.cfg.Now
	}
	s.offset.Store(int64(t.Sub(base())))
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// apiPrefixes: /api/projects/ is canonical, /api/environments/ the alias (docs/dev/posthog-behaviour.md#authentication-and-scopes).
var apiPrefixes = []string{"/api/projects/{project_id}", "/api/environments/{project_id}"}

func (s *Server) routes() {
	// Patterns end in {$}: a bare trailing slash would match the whole subtree.
	handle := func(p string, h http.HandlerFunc) { s.api.HandleFunc(p+"{$}", h) }
	for _, pre := range apiPrefixes {
		p := pre + "/persons/"
		handle(p, s.handlePersonsCollection)
		handle(pre+"/persons.csv/", s.handlePersonsCSVSuffix)
		handle(p+"{id}/", s.handlePersonDetail)
		handle(p+"bulk_delete/", s.handleBulkDelete)
		handle(p+"batch_by_distinct_ids/", s.handleBatchByDistinctIDs)
		handle(p+"batch_by_uuids/", s.handleBatchByUUIDs)
		handle(p+"deletion_status/", s.handleDeletionStatus)
		handle(p+"cohorts/", s.handleCohorts)
		s.queryRoutes(pre, handle)
		s.insightRoutes(pre, handle)
		s.actionRoutes(pre, handle)
		c := pre + "/cohorts/"
		handle(c, s.handleCohortCollection)
		handle(c+"{cohort_id}/", s.handleCohortDetail)
		handle(c+"{cohort_id}/add_persons_to_static_cohort/", s.handleAddPersonsToStaticCohort)
		handle(c+"{cohort_id}/remove_person_from_static_cohort/", s.handleRemovePersonFromStaticCohort)
		handle(c+"{cohort_id}/persons/", s.handleCohortPersons)
		if s.cfg.LegacyActorEndpoints {
			// Without the flag these paths fall through to the detail route or
			// to no route at all, as in current PostHog (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
			handle(p+"funnel/", s.handleLegacyFunnel)
			handle(p+"funnel/correlation/", s.handleLegacyCorrelation)
			handle(p+"lifecycle/", s.handleLegacyLifecycle)
		}
	}
	for _, p := range []string{"/batch/", "/capture/", "/e/", "/i/v0/e/", "/track/"} {
		handle(p, s.handleCapture)
	}
}

// ServeHTTP dispatches /_emulator/* controls directly, and PostHog routes through
// fault injection and the stats recorder.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		s.serveControl(w, r)
		return
	}
	start := time.Now()
	// Be lenient about the trailing slash: PostHog's routes take it; accept both.
	if !strings.HasSuffix(r.URL.Path, "/") {
		r2 := r.Clone(r.Context())
		r2.URL.Path += "/"
		r2.URL.RawPath = ""
		r = r2
	}
	_, pattern := s.api.Handler(r)
	var h http.Handler = s.api // s.api.ServeHTTP sets the path values
	pattern = strings.TrimSuffix(pattern, "{$}")
	if pattern == "" {
		pattern = "(unmatched)"
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { errEndpointNotFound(w) })
	}
	key := r.Method + " " + pattern

	if s.cfg.Latency > 0 {
		select {
		case <-time.After(s.cfg.Latency):
		case <-r.Context().Done():
			return
		}
	}
	switch s.faults.pick() {
	case faultDrop:
		s.stats.record(key, "dropped")
		s.logf("%s %s -> dropped (fault)", r.Method, r.URL.RequestURI())
		dropConnection(w)
		return
	case fault5xx:
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { errServer(w) })
	case fault429:
		// An injected throttle says 1 second: the shortest honest wait.
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeThrottled(w, 1) })
	}
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	h.ServeHTTP(rec, r)
	s.stats.record(key, strconv.Itoa(rec.status))
	s.logf("%s %s -> %d (%s)", r.Method, r.URL.RequestURI(), rec.status, time.Since(start).Round(time.Microsecond))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status = code
		r.wrote = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}
