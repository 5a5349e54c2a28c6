package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// The interrupted-applies harness's view of PostHog: every request the
// provider makes, by apply, with points at which to interrupt it.

// apiCall is one PostHog API request as the recording layer saw it.
type apiCall struct {
	route   string   // bulk_delete, batch_by_uuids, batch_by_distinct_ids, delete_person, other
	ids     []string // the ids a bulk_delete or batch_by_uuids call sent (lower case)
	dids    []string // the distinct ids a bulk_delete call sent
	found   []string // the persons a batch_by_uuids answer held
	handled bool     // the emulator handled it
	apply   int
}

// apiRecorder sits in front of the emulator: it logs the calls the provider
// makes and fires the interruption at the chosen request.
type apiRecorder struct {
	server *emulator.Server

	mu    sync.Mutex
	calls []apiCall
	apply int // which apply the calls belong to

	inflight int // requests not answered or dropped yet

	armed            bool
	point            interruptPoint
	fire             func()
	fired            bool
	firedAt          string
	bulkDeletesSeen  int
	matchingRequests int
}

func routeOf(r *http.Request) string {
	switch {
	case strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/persons/bulk_delete"):
		return "bulk_delete"
	case strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/persons/batch_by_uuids"):
		return "batch_by_uuids"
	case strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/persons/batch_by_distinct_ids"):
		return "batch_by_distinct_ids"
	case r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/persons/"):
		return "delete_person"
	}
	return "other"
}

// bufferedResponse keeps the emulator's answer until the recorder decides
// to send it.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (rec *apiRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		rec.server.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	call := apiCall{route: routeOf(r)}
	switch call.route {
	case "bulk_delete":
		var req struct {
			IDs         []string `json:"ids"`
			DistinctIDs []string `json:"distinct_ids"`
		}
		_ = json.Unmarshal(body, &req)
		call.ids, call.dids = lowerStrings(req.IDs), req.DistinctIDs
	case "batch_by_uuids":
		var req struct {
			UUIDs []string `json:"uuids"`
		}
		_ = json.Unmarshal(body, &req)
		call.ids = lowerStrings(req.UUIDs)
	}

	rec.mu.Lock()
	fire := rec.matches(call.route)
	call.apply = rec.apply
	index := len(rec.calls)
	rec.calls = append(rec.calls, call)
	hold := rec.point.hold
	rec.inflight++
	rec.mu.Unlock()
	defer rec.ended()

	if fire && hold != holdAfter {
		rec.fire()
		if hold == holdBefore && waitForClientGone(r.Context()) {
			return // the client went before PostHog handled the request
		}
	}
	resp := &bufferedResponse{header: w.Header()}
	forwarded := r
	if call.route == "bulk_delete" {
		// PostHog carries out a deletion it has received even if the client
		// goes away meanwhile; the emulator's latency would drop it when the
		// client went first, and the path of a seed would hang on that race.
		forwarded = r.WithContext(context.WithoutCancel(r.Context()))
	}
	rec.server.ServeHTTP(resp, forwarded)
	handled := resp.status != 0
	if fire && hold == holdAfter {
		rec.fire()
		waitForClientGone(r.Context())
	}
	if handled {
		w.WriteHeader(resp.status)
		_, _ = w.Write(resp.body.Bytes())
	}
	var found []string
	if call.route == "batch_by_uuids" && resp.status == http.StatusOK {
		var answer struct {
			Results map[string]json.RawMessage `json:"results"`
		}
		_ = json.Unmarshal(resp.body.Bytes(), &answer)
		for k := range answer.Results {
			found = append(found, strings.ToLower(k))
		}
	}
	rec.mu.Lock()
	rec.calls[index].handled = handled
	rec.calls[index].found = found
	rec.mu.Unlock()
}

func (rec *apiRecorder) ended() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.inflight--
}

// waitIdle waits until no request is in flight, for at most limit, and
// reports whether none is.
func (rec *apiRecorder) waitIdle(limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for {
		rec.mu.Lock()
		inflight := rec.inflight
		rec.mu.Unlock()
		if inflight == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// matches counts the request against the armed point; rec.mu is held.
func (rec *apiRecorder) matches(route string) bool {
	if !rec.armed || rec.fired {
		return false
	}
	defer func() {
		if route == "bulk_delete" {
			rec.bulkDeletesSeen++
		}
	}()
	if rec.bulkDeletesSeen < rec.point.afterBulkDeletes {
		return false
	}
	switch rec.point.route {
	case "any":
	case "lookup":
		if route != "batch_by_distinct_ids" && route != "batch_by_uuids" {
			return false
		}
	default:
		if route != rec.point.route {
			return false
		}
	}
	rec.matchingRequests++
	if rec.matchingRequests < rec.point.nth {
		return false
	}
	rec.fired = true
	rec.firedAt = fmt.Sprintf("%s request, after %d bulk_delete calls", route, rec.bulkDeletesSeen)
	return true
}

// waitForClientGone waits until the client has closed the request (its
// process stopped or was killed, or its context ended), for at most
// interruptHoldLimit, and reports whether it did.
func waitForClientGone(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-time.After(interruptHoldLimit):
		return false
	}
}

func (rec *apiRecorder) arm(point interruptPoint, fire func()) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.apply++
	rec.armed, rec.point, rec.fire = true, point, fire
	rec.fired, rec.firedAt, rec.bulkDeletesSeen, rec.matchingRequests = false, "", 0, 0
}

// nextApply disarms the interruption and starts a new apply's log.
func (rec *apiRecorder) nextApply() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.apply++
	rec.armed = false
}

func (rec *apiRecorder) firedPoint() (bool, string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.fired, rec.firedAt
}

func (rec *apiRecorder) callsOf(apply int) []apiCall {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []apiCall
	for _, c := range rec.calls {
		if apply == 0 || c.apply == apply {
			out = append(out, c)
		}
	}
	return out
}

func (rec *apiRecorder) currentApply() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.apply
}

func lowerStrings(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(s)
	}
	return out
}

// newRecordedEnv starts an emulator behind an apiRecorder.
func newRecordedEnv(t *testing.T, cfg emulator.Config) (*acctest.Env, *apiRecorder) {
	t.Helper()
	server := emulator.New(cfg)
	rec := &apiRecorder{server: server}
	httpServer := httptest.NewServer(rec)
	t.Cleanup(func() {
		httpServer.CloseClientConnections()
		httpServer.Close()
		server.Close()
	})
	return &acctest.Env{Emulator: server, URL: httpServer.URL, JournalDir: acctest.TempJournalDir(t)}, rec
}
