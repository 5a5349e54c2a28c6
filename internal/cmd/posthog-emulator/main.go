// Command posthog-emulator serves the in-memory PostHog emulator over HTTP.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "posthog-emulator:", err)
		var ue usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks bad flags (exit status 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// apiKeyFlags collects repeatable -api-key KEY=SCOPES[@PROJECTS] values.
type apiKeyFlags []emulator.APIKey

func (a *apiKeyFlags) String() string { return "" }

func (a *apiKeyFlags) Set(v string) error {
	key, rest, ok := strings.Cut(v, "=")
	if !ok || key == "" {
		return fmt.Errorf("want KEY=SCOPES[@PROJECT,...], got %q", v)
	}
	k := emulator.APIKey{Key: key}
	scopes, projects, hasProjects := strings.Cut(rest, "@")
	for _, s := range strings.Split(scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			k.Scopes = append(k.Scopes, s)
		}
	}
	if hasProjects {
		k.Projects = []int{}
		for _, p := range strings.Split(projects, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil {
				return fmt.Errorf("bad project id %q in %q", p, v)
			}
			k.Projects = append(k.Projects, n)
		}
	}
	*a = append(*a, k)
	return nil
}

// run parses args, starts the server, prints the listening line first and serves
// until ctx is done (then shuts down gracefully).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("posthog-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg     emulator.Config
		keys    apiKeyFlags
		listen  = fs.String("listen", "127.0.0.1:8010", "address to listen on")
		seed    = fs.String("seed", "", "JSON-lines file of capture-format events to ingest at start")
		verbose = fs.Bool("v", false, "log requests to stderr")
	)
	fs.IntVar(&cfg.ProjectID, "project-id", 1, "project (team) id")
	fs.StringVar(&cfg.ProjectToken, "project-token", "phc_emulator", "project token for ingestion")
	fs.Var(&keys, "api-key", "personal API key KEY=SCOPES[@PROJECT,...] (repeatable; empty SCOPES = legacy unscoped; default phx_emulator=*)")
	fs.StringVar(&cfg.BulkDeleteMode, "bulk-delete-mode", "sync", "bulk_delete mode: sync or async")
	fs.DurationVar(&cfg.AsyncDeleteDelay, "async-delete-delay", 500*time.Millisecond, "async mode: delay before queued persons are deleted")
	fs.BoolVar(&cfg.LegacyActorEndpoints, "legacy-actor-endpoints", false, "serve the removed funnel/lifecycle person endpoints")
	fs.BoolVar(&cfg.NoQueryAPI, "no-query-api", false, "do not serve /query/ (404 \"Endpoint not found.\", like a PostHog without the Query API)")
	fs.BoolVar(&cfg.AsyncQueries, "async-queries", false, "answer queries with refresh async, force_async or lazy_async with 202 and a query_status, to be polled at /query/<id>/")
	fs.IntVar(&cfg.AsyncQueryPolls, "async-query-polls", 1, "with -async-queries: how many polls of a query answer 202 before the result")
	fs.BoolVar(&cfg.LegacyQueryThrottles, "legacy-query-throttles", false, "with -rate-limit: legacy-team query throttles (clickhouse_burst/sustained) instead of api_queries_*")
	fs.StringVar(&cfg.Timezone, "timezone", "UTC", "team timezone for lifecycle and funnel periods")
	fs.IntVar(&cfg.WeekStartDay, "week-start-day", 0, "team week start: 0 = Sunday, 1 = Monday")
	scenario := fs.String("seed-scenario", "", "ingest a PostHog actor-query test scenario at start (S1, S2, S3, S4, S4-offset, S5-strict, S5-unordered, S6)")
	fs.BoolVar(&cfg.RateLimit, "rate-limit", false, "enable PostHog's personal-API-key throttles")
	fs.Float64Var(&cfg.RateLimitScale, "rate-limit-scale", 1, "divide throttle windows by this factor")
	fs.DurationVar(&cfg.DeletionJobEvery, "deletion-job-every", 0, "run the event deletion job at this interval (0 = on demand)")
	fs.Float64Var(&cfg.Fault429, "fault-429", 0, "probability of an injected 429")
	fs.Float64Var(&cfg.Fault5xx, "fault-5xx", 0, "probability of an injected 500")
	fs.Float64Var(&cfg.FaultDrop, "fault-drop", 0, "probability of closing the connection without an answer")
	fs.DurationVar(&cfg.Latency, "latency", 0, "added latency per API request")
	fs.Int64Var(&cfg.FaultSeed, "fault-seed", 0, "seed for fault injection (0 = random)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if err := validate(&cfg, fs.NArg()); err != nil {
		return usageError{err}
	}
	cfg.APIKeys = keys
	if *verbose {
		logger := log.New(stderr, "", log.LstdFlags|log.Lmicroseconds)
		cfg.Logf = logger.Printf
	}
	var events []emulator.Event
	if *seed != "" {
		var err error
		if events, err = readSeed(*seed); err != nil {
			return usageError{err}
		}
	}

	srv := emulator.New(cfg)
	defer srv.Close()
	srv.Ingest(events...)
	if *scenario != "" {
		if err := srv.SeedScenario(*scenario); err != nil {
			return usageError{err}
		}
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "posthog-emulator listening on http://%s\n", ln.Addr()); err != nil {
		_ = ln.Close()
		return err
	}
	if f, ok := stdout.(interface{ Sync() error }); ok {
		_ = f.Sync()
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(shutCtx)
}

func validate(cfg *emulator.Config, nargs int) error {
	switch {
	case nargs > 0:
		return errors.New("unexpected positional arguments")
	case cfg.ProjectID <= 0:
		return errors.New("-project-id must be positive")
	case cfg.ProjectToken == "":
		return errors.New("-project-token must not be empty")
	case cfg.BulkDeleteMode != "sync" && cfg.BulkDeleteMode != "async":
		return fmt.Errorf("-bulk-delete-mode must be sync or async, got %q", cfg.BulkDeleteMode)
	case cfg.AsyncDeleteDelay < 0 || cfg.DeletionJobEvery < 0 || cfg.Latency < 0:
		return errors.New("durations must not be negative")
	case !emulator.ValidTimezone(cfg.Timezone):
		return fmt.Errorf("-timezone: unknown time zone %q", cfg.Timezone)
	case cfg.RateLimitScale <= 0:
		return errors.New("-rate-limit-scale must be positive")
	case cfg.AsyncQueryPolls < 1:
		return errors.New("-async-query-polls must be at least 1")
	}
	for name, p := range map[string]float64{"-fault-429": cfg.Fault429, "-fault-5xx": cfg.Fault5xx, "-fault-drop": cfg.FaultDrop} {
		if p < 0 || p > 1 {
			return fmt.Errorf("%s must be between 0 and 1", name)
		}
	}
	if cfg.Fault429+cfg.Fault5xx+cfg.FaultDrop > 1 {
		return errors.New("fault probabilities must sum to at most 1")
	}
	return nil
}

// readSeed reads JSON lines {"event","distinct_id","properties","timestamp"}.
func readSeed(path string) ([]emulator.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	var out []emulator.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var e struct {
			Event      string         `json:"event"`
			DistinctID string         `json:"distinct_id"`
			Properties map[string]any `json:"properties"`
			Timestamp  string         `json:"timestamp"`
			UUID       string         `json:"uuid"`
		}
		if err := json.Unmarshal([]byte(text), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if e.Event == "" || e.DistinctID == "" {
			return nil, fmt.Errorf("%s:%d: event and distinct_id are required", path, line)
		}
		ev := emulator.Event{Event: e.Event, DistinctID: e.DistinctID, Properties: e.Properties, UUID: e.UUID}
		if e.Timestamp != "" {
			t, err := time.Parse(time.RFC3339Nano, e.Timestamp)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: bad timestamp: %v", path, line, err)
			}
			ev.Timestamp = t
		}
		out = append(out, ev)
	}
	return out, sc.Err()
}
