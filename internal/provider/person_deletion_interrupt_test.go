package provider_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// Interrupted applies: a deletion of a few hundred to about 2,000
// distinct ids is interrupted at a point drawn from a seed, the state left
// behind is checked to claim no more than PostHog did, and a second apply
// finishes the request without touching anybody else.
//
// Interruption kinds, as users meet them:
//   - sigint: Ctrl-C, SIGINT to Terraform's process group. Terraform asks the
//     provider to stop, which cancels the context of the running Create. In
//     one scenario in three Ctrl-C is pressed twice, 20-200 ms apart: if the
//     provider has not answered by then, Terraform exits at once.
//   - kill-plugin: SIGKILL of the provider plugin process (found under
//     /proc as Terraform's child running the provider binary).
//   - kill-terraform: SIGKILL of Terraform alone (a CI runner losing its
//     job, kill -9); the plugin is orphaned.
//   - timeout: a short timeouts { create, update } (1-2 s) expires inside
//     Create or Update.
//
// One scenario in three interrupts the next apply too. Recovery then
// follows the provider's documentation: raise the timeout, untaint a
// tainted record in half of the scenarios (else Terraform replaces it) and
// apply, which must finish the request and leave an empty plan.
//
// The point is a request of the interrupted apply, seen by a recording
// layer in front of the emulator: a person lookup before any deletion, a
// bulk_delete call, a verification poll after one, or a request after the
// last deletion. The interruption fires when that request arrives, and then
// either lets it run on, holds it until the client has gone (so PostHog
// never handles it), or lets PostHog handle it and holds its answer until
// the client has gone (so the deletion happens and its answer is lost).
//
// A seed decides the verdict, not the machine's speed. After an interrupted
// apply the harness waits until every request of it has ended, checks the
// state it left, and then lets PostHog finish what the apply handed it: the
// deletions an async bulk_delete queued are carried out before the next
// apply starts, as PostHog's queue does shortly after the request. (Left to
// the clock, such a deletion could land during the next apply, after the
// harness had noted which persons were gone: the final record then rightly
// named an id as matching no person that the check took for a live one.) A
// bulk_delete that reached PostHog is handled even when the client has gone
// meanwhile, as PostHog does; only hold-before keeps one from PostHog.
//
// POSTHOG_SOAK_INTERRUPTS sets the number of scenarios (default 4, one of
// each kind; make soak runs more) and POSTHOG_INTERRUPT_SEED the first seed
// (scenario i uses seed+i; the kind is seed mod 4). A failing scenario is
// reproduced with its seed and POSTHOG_SOAK_INTERRUPTS=1.

const (
	defaultInterruptScenarios = 4
	defaultInterruptSeed      = 4236
	// interruptHoldLimit bounds how long the recording layer holds a request
	// for the client to go away; only a client that never goes hits it.
	interruptHoldLimit = 30 * time.Second
	// orphanExitLimit bounds the wait for a plugin orphaned by a killed
	// Terraform to end.
	orphanExitLimit = 60 * time.Second
	// idleLimit bounds the wait for the requests of an ended apply to end:
	// a held request ends when its client has gone.
	idleLimit = interruptHoldLimit + 5*time.Second
)

var interruptKinds = []string{"sigint", "kill-plugin", "kill-terraform", "timeout"}

// What the recording layer does with the request that fires the interruption.
const (
	holdNone   = "run-on"      // the request goes on to the emulator at once
	holdBefore = "hold-before" // held until the client has gone; PostHog never sees it
	holdAfter  = "hold-after"  // PostHog handles it; the answer is held until the client has gone
)

// interruptPoint selects the request of the interrupted apply that fires the
// interruption: the nth request of route arriving after afterBulkDeletes
// bulk_delete calls.
type interruptPoint struct {
	stage            string // for the log: lookup, bulk_delete, poll, after
	afterBulkDeletes int
	route            string // lookup (batch_by_*), bulk_delete, batch_by_uuids, any
	nth              int
	hold             string
}

func (p interruptPoint) String() string {
	return fmt.Sprintf("%s (request %d of %s after %d bulk_delete calls, %s)", p.stage, p.nth, p.route, p.afterBulkDeletes, p.hold)
}

type interruptPerson struct {
	uuid      string
	ids       []string
	requested []string // the ids the request names (none for a bystander)
	events    int
}

type interruptScenario struct {
	seed         int64
	kind         string
	bulk         bool // distinct_ids_file instead of distinct_ids
	mode         string
	delay        time.Duration
	latency      time.Duration
	deleteEvents bool
	timeout      string
	untaint      bool // after a tainted create, untaint instead of letting Terraform replace
	twice        bool // sigint: Ctrl-C twice, and Terraform exits at once without waiting for the provider
	secondPress  time.Duration
	persons      []interruptPerson
	ghosts       []string // requested ids that match nobody
	ids          []string // every requested id, in request order
	// points holds one interruption per interrupted apply: one, or two when
	// the apply after the first interruption is interrupted too.
	points []interruptPoint
}

func (sc *interruptScenario) requestedPersons() []interruptPerson {
	var out []interruptPerson
	for _, p := range sc.persons {
		if len(p.requested) > 0 {
			out = append(out, p)
		}
	}
	return out
}

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
	return &acctest.Env{Emulator: server, URL: httpServer.URL}, rec
}

// buildInterruptScenario draws a scenario from seed and ingests its persons.
// adjust, if not nil, may change the drawn settings before the emulator
// starts; it draws nothing, so the rest of the scenario stays the seed's.
func buildInterruptScenario(t *testing.T, seed int64, adjust func(*interruptScenario)) (*interruptScenario, *acctest.Env, *apiRecorder) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	sc := &interruptScenario{
		seed:         seed,
		kind:         interruptKinds[((seed%4)+4)%4],
		bulk:         rng.Intn(2) == 0,
		mode:         "sync",
		latency:      time.Duration(1+rng.Intn(4)) * time.Millisecond,
		deleteEvents: rng.Intn(2) == 0,
		untaint:      rng.Intn(2) == 0,
	}
	sc.twice = sc.kind == "sigint" && rng.Intn(3) == 0
	if sc.twice {
		// Two signals at once reach Terraform as one; a person presses twice.
		sc.secondPress = time.Duration(20+rng.Intn(180)) * time.Millisecond
	}
	if rng.Intn(2) == 0 {
		sc.mode = "async"
		sc.delay = time.Duration(30+rng.Intn(200)) * time.Millisecond
	}
	if adjust != nil {
		adjust(sc)
	}
	env, rec := newRecordedEnv(t, emulator.Config{BulkDeleteMode: sc.mode, AsyncDeleteDelay: sc.delay, Latency: sc.latency})

	prefix := fmt.Sprintf("i%d", seed)
	at := time.Now().Add(-2 * time.Hour)
	requested := 150 + rng.Intn(1150) // 150-1299 persons: one or two bulk_delete chunks
	bystanders := 20 + rng.Intn(41)
	for n := range requested + bystanders {
		ids := make([]string, 1+rng.Intn(3))
		for j := range ids {
			ids[j] = fmt.Sprintf("%s-p%d-d%d", prefix, n, j)
		}
		info := env.Person(t, ids...)
		for range rng.Intn(3) {
			env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: ids[rng.Intn(len(ids))], Timestamp: at})
		}
		p := interruptPerson{uuid: info.UUID, ids: ids}
		if n < requested {
			// One of its ids, or all of them.
			p.requested = ids[:1]
			if rng.Intn(3) == 0 {
				p.requested = ids
			}
			sc.ids = append(sc.ids, p.requested...)
		}
		sc.persons = append(sc.persons, p)
	}
	for i := range sc.persons {
		sc.persons[i].events = env.Emulator.EventCount(sc.persons[i].uuid)
	}
	for k := range rng.Intn(6) {
		sc.ghosts = append(sc.ghosts, fmt.Sprintf("%s-ghost-%d", prefix, k))
	}
	sc.ids = append(sc.ids, sc.ghosts...)
	rng.Shuffle(len(sc.ids), func(i, j int) { sc.ids[i], sc.ids[j] = sc.ids[j], sc.ids[i] })

	if sc.kind == "timeout" {
		sc.timeout = []string{"1s", "1500ms", "2s"}[rng.Intn(3)]
	}
	sc.points = []interruptPoint{drawInterruptPoint(rng, sc.kind, len(sc.ids), requested, true)}
	if rng.Intn(3) == 0 {
		// The apply after the interruption is interrupted too (when there is
		// still something to do at its point).
		sc.points = append(sc.points, drawInterruptPoint(rng, sc.kind, len(sc.ids), requested, false))
	}
	return sc, env, rec
}

// drawInterruptPoint draws the request that fires an interruption, for a
// request of ids naming persons. Interruptions land before, during and after
// the deletion calls.
func drawInterruptPoint(rng *rand.Rand, kind string, ids, persons int, first bool) interruptPoint {
	lookups := (ids + 199) / 200 // batch calls per resolution of the request
	chunks := (persons + 999) / 1000
	chunkSize := func(k int) int { return min(1000, persons-1000*(k-1)) }
	stages := []string{"lookup", "bulk_delete", "poll", "after"}
	if kind == "timeout" && !first {
		// Before a later apply's Create or Update a refresh adds lookups;
		// keep a timeout's point inside the deletion.
		stages = stages[1:]
	}
	holds := []string{holdNone, holdBefore, holdAfter}
	var point interruptPoint
	switch stage := stages[rng.Intn(len(stages))]; stage {
	case "lookup":
		// The plan, the apply's own plan and Create each resolve the request
		// before any deletion; a timeout only runs inside Create, the last.
		from := 1
		if kind == "timeout" {
			from = 2*lookups + 1
		}
		point = interruptPoint{stage: stage, route: "lookup", nth: from + rng.Intn(3*lookups-from+1), hold: holds[rng.Intn(2)]}
	case "bulk_delete":
		k := 1 + rng.Intn(chunks)
		point = interruptPoint{stage: stage, afterBulkDeletes: k - 1, route: "bulk_delete", nth: 1, hold: holds[rng.Intn(3)]}
	case "poll":
		k := 1 + rng.Intn(chunks)
		point = interruptPoint{stage: stage, afterBulkDeletes: k, route: "batch_by_uuids",
			nth: 1 + rng.Intn((chunkSize(k)+199)/200), hold: holds[rng.Intn(3)]}
	case "after":
		point = interruptPoint{stage: stage, afterBulkDeletes: chunks, route: "any",
			nth: 1 + rng.Intn((chunkSize(chunks)+199)/200+lookups), hold: holds[rng.Intn(3)]}
	}
	if kind == "timeout" && point.hold == holdNone {
		// The timeout lands where it lands; holding makes it land at the point.
		point.hold = holdBefore
	}
	return point
}

func (sc *interruptScenario) config(t *testing.T, env *acctest.Env, dir string) string {
	t.Helper()
	var body strings.Builder
	if sc.bulk {
		if err := os.WriteFile(filepath.Join(dir, "ids.txt"), []byte(strings.Join(sc.ids, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		body.WriteString("  distinct_ids_file = \"ids.txt\"\n")
	} else {
		fmt.Fprintf(&body, "  distinct_ids = %s\n", hclStrings(sc.ids))
	}
	fmt.Fprintf(&body, "  delete_events = %t\n", sc.deleteEvents)
	if sc.timeout != "" {
		fmt.Fprintf(&body, "  timeouts {\n    create = %q\n    update = %q\n  }\n", sc.timeout, sc.timeout)
	}
	return env.ProviderConfig() + "\nresource \"posthog_person_deletion\" \"request\" {\n" + body.String() + "}\n"
}

// interruptState is the resource as terraform show -json has it.
type interruptState struct {
	present bool
	tainted bool
	values  map[string]any
}

func readInterruptState(t *testing.T, cli *acctest.CLI) interruptState {
	t.Helper()
	out, err := cli.Run("show", "-json")
	if err != nil {
		t.Fatalf("terraform show -json: %v\n%s", err, out)
	}
	var shown struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Tainted bool           `json:"tainted"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &shown); err != nil {
		t.Fatalf("decoding terraform show -json: %v\n%s", err, out)
	}
	for _, r := range shown.Values.RootModule.Resources {
		if r.Address == "posthog_person_deletion.request" {
			return interruptState{present: true, tainted: r.Tainted, values: r.Values}
		}
	}
	return interruptState{}
}

func (s interruptState) number(attr string) int {
	n, _ := s.values[attr].(float64)
	return int(n)
}

func (s interruptState) str(attr string) string {
	v, _ := s.values[attr].(string)
	return v
}

func (s interruptState) list(attr string) []string {
	raw, _ := s.values[attr].([]any)
	out := make([]string, 0, len(raw))
	for _, v := range raw {
		str, _ := v.(string)
		out = append(out, str)
	}
	return out
}

// interruptDigest is deleted_person_uuids_digest of one apply: the sha256
// of the sorted lower-case UUIDs joined by newlines.
func interruptDigest(set map[string]bool) string {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:])
}

// chainedDigest is the digest after a later apply deleted more persons: the
// previous digest followed by the new UUIDs.
func chainedDigest(prior string, added map[string]bool) string {
	if prior == "" {
		return interruptDigest(added)
	}
	if len(added) == 0 {
		return prior
	}
	keys := make([]string, 0, len(added))
	for k := range added {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(prior + "\n" + strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:])
}

// recordableSets lists every set of persons an interrupted apply could have
// recorded as deleted, given its calls: the persons of its first k
// bulk_delete calls, or of k-1 calls plus those of call k that a
// verification poll had seen gone (a poll is a run of batch_by_uuids calls,
// and the persons of one call go at one moment, so a poll that straddles
// that moment sees a contiguous run of its batches gone).
func recordableSets(calls []apiCall) []map[string]bool {
	type chunk struct {
		ids   []string
		polls []apiCall
	}
	var chunks []chunk
	for _, c := range calls {
		switch {
		case c.route == "bulk_delete":
			chunks = append(chunks, chunk{ids: c.ids})
		case c.route == "batch_by_uuids" && len(chunks) > 0 && c.handled:
			chunks[len(chunks)-1].polls = append(chunks[len(chunks)-1].polls, c)
		}
	}
	union := func(prefix []chunk) map[string]bool {
		set := map[string]bool{}
		for _, c := range prefix {
			for _, id := range c.ids {
				set[id] = true
			}
		}
		return set
	}
	sets := []map[string]bool{{}}
	for k := range chunks {
		sets = append(sets, union(chunks[:k+1]))
		inChunk := map[string]bool{}
		for _, id := range chunks[k].ids {
			inChunk[id] = true
		}
		polls := chunks[k].polls
		for a := range polls {
			for b := a; b < len(polls); b++ {
				set := union(chunks[:k])
				for _, poll := range polls[a : b+1] {
					found := map[string]bool{}
					for _, id := range poll.found {
						found[id] = true
					}
					for _, id := range poll.ids {
						if inChunk[id] && !found[id] {
							set[id] = true
						}
					}
				}
				sets = append(sets, set)
			}
		}
	}
	return sets
}

func TestAccPersonDeletion_InterruptedApplies(t *testing.T) {
	t.Parallel()
	scenarios := soakEnvInt(t, "POSTHOG_SOAK_INTERRUPTS", defaultInterruptScenarios)
	seed := soakEnvInt(t, "POSTHOG_INTERRUPT_SEED", defaultInterruptSeed)
	t.Logf("interrupts: seed %d (set POSTHOG_INTERRUPT_SEED to reproduce), %d scenarios", seed, scenarios)
	base := acctest.NewCLI(t)
	summary := &interruptSummary{scenarios: map[string]int{}, outcomes: map[string]int{}}
	// The group returns when its parallel scenarios have ended.
	t.Run("scenarios", func(t *testing.T) {
		for i := range scenarios {
			s := seed + i
			t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) {
				// Each scenario has its own emulator, directory and process group.
				t.Parallel()
				sc, env, rec := buildInterruptScenario(t, s, nil)
				runInterruptScenario(t, base, sc, env, rec, summary)
			})
		}
	})
	t.Logf("interrupts: %d scenarios %v, %d interrupted applies (%d fired at their point), states left %v; "+
		"%d requested and %d bystander persons checked, seed %d", scenarios, summary.scenarios, summary.applies, summary.fired,
		summary.outcomes, summary.requested, summary.bystanders, seed)
}

// TestAccPersonDeletion_InterruptedAsyncDeletion pins what the records say
// when PostHog carried out a deletion whose answer an interrupted apply never
// got, in the scenario of seed 4248 (distinct_ids, async bulk_delete, no
// ghosts, Ctrl-C at the first bulk_delete of two applies in a row): the
// first Ctrl-C lands before PostHog sees the call, the second after PostHog
// has queued the deletion of every requested person, whose answer is lost.
// Both applies
// leave a record of no deletion; PostHog's queue deletes the persons after
// the second has ended.
//   - Replaced (the tainted record is not untainted): the final apply starts
//     a new record, finds nobody and lists every requested id in
//     unmatched_ids; deleted_person_uuids is empty.
//   - Untainted: the second apply updated the kept record, which had matched
//     every person, so the final apply has nothing to do. The requested ids
//     are in neither deleted_person_uuids nor unmatched_ids; the evidence
//     shows interrupted applies that matched the persons.
func TestAccPersonDeletion_InterruptedAsyncDeletion(t *testing.T) {
	const seed = 4248
	base := acctest.NewCLI(t)
	for _, untaint := range []bool{false, true} {
		t.Run(fmt.Sprintf("untaint=%t", untaint), func(t *testing.T) {
			t.Parallel()
			sc, env, rec := buildInterruptScenario(t, seed, func(sc *interruptScenario) {
				// Far longer than an interrupted apply takes to end, so that
				// the harness's settling after the second apply carries the
				// deletion out: it lands after the apply that asked for it.
				// Bounded, so that a final apply that wrongly deletes again
				// fails the checks instead of waiting out its timeout.
				sc.delay = 30 * time.Second
				sc.twice, sc.untaint = false, untaint
			})
			if sc.kind != "sigint" || sc.bulk || sc.mode != "async" || len(sc.ghosts) != 0 {
				t.Fatalf("seed %d no longer draws the scenario of this test: %s, bulk %t, %s, %d ghosts",
					seed, sc.kind, sc.bulk, sc.mode, len(sc.ghosts))
			}
			first := interruptPoint{stage: "bulk_delete", route: "bulk_delete", nth: 1, hold: holdBefore}
			second := first
			second.hold = holdAfter
			sc.points = []interruptPoint{first, second}

			after := runInterruptScenario(t, base, sc, env, rec, nil)

			if got := after.number("deleted_person_count"); got != 0 {
				t.Errorf("deleted_person_count = %d, want 0: no apply saw PostHog's answer", got)
			}
			want := []string{}
			if !untaint {
				want = slices.Clone(sc.ids)
			}
			if got := after.list("unmatched_ids"); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
				t.Errorf("unmatched_ids has %d ids, want %d", len(got), len(want))
			}
			var record evidenceDoc
			if err := json.Unmarshal([]byte(after.str("evidence")), &record); err != nil {
				t.Fatalf("evidence: %v", err)
			}
			var outcomes []string
			for _, a := range record.Applies {
				outcomes = append(outcomes, a.Outcome)
				if a.Outcome == "interrupted" && a.PersonsMatched != len(sc.requestedPersons()) {
					t.Errorf("an interrupted apply records %d persons matched, want %d", a.PersonsMatched, len(sc.requestedPersons()))
				}
			}
			wantOutcomes := []string{"completed"}
			if untaint {
				wantOutcomes = []string{"interrupted", "interrupted"}
			}
			if !slices.Equal(outcomes, wantOutcomes) {
				t.Errorf("evidence applies %v, want %v", outcomes, wantOutcomes)
			}
		})
	}
}

type interruptSummary struct {
	mu                    sync.Mutex
	scenarios             map[string]int // by kind
	applies, fired        int            // interrupted applies, interruptions that fired at their point
	outcomes              map[string]int // the states interrupted applies left
	requested, bystanders int
}

// runInterruptScenario runs the interrupted applies of sc and the final
// apply, checks what each left, and returns the final state. summary may be
// nil.
func runInterruptScenario(t *testing.T, base *acctest.CLI, sc *interruptScenario, env *acctest.Env, rec *apiRecorder,
	summary *interruptSummary) interruptState {
	seed := sc.seed
	cli := *base
	cli.Dir = t.TempDir()
	cli.WriteConfig(t, sc.config(t, env, cli.Dir))
	requested := sc.requestedPersons()
	requestedUUIDs := map[string]bool{}
	for _, p := range requested {
		requestedUUIDs[p.uuid] = true
	}
	form := "distinct_ids"
	if sc.bulk {
		form = "distinct_ids_file"
	}
	kind := sc.kind
	if sc.twice {
		kind = "sigint-twice"
	}
	points := make([]string, len(sc.points))
	for i, p := range sc.points {
		points[i] = p.String()
	}
	describe := fmt.Sprintf("seed %d: %s at %s; %s, %d ids (%d persons requested, %d ghosts), %d bystanders, %s bulk_delete%s, "+
		"latency %s, delete_events=%t, untaint=%t", seed, kind, strings.Join(points, ", then "), form, len(sc.ids), len(requested),
		len(sc.ghosts), len(sc.persons)-len(requested), sc.mode,
		map[bool]string{true: fmt.Sprintf(" (%s delay)", sc.delay)}[sc.mode == "async"], sc.latency, sc.deleteEvents, sc.untaint)
	t.Log(describe)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s\n%s", describe, fmt.Sprintf(format, args...))
	}
	check := interruptChecker{t: t, fail: fail, sc: sc, env: env, requestedUUIDs: requestedUUIDs}

	var fired int
	var outcomes []string
	state := interruptState{} // no state before the first apply
	for round, point := range sc.points {
		state = check.untaintAsDocumented(&cli, state)
		landed, outcome, after := runInterruptedApply(t, fail, &cli, rec, sc, point, state, check)
		if landed {
			fired++
		}
		outcomes = append(outcomes, outcome)
		t.Logf("interrupted apply %d: fired %t; afterwards %s", round+1, landed, outcome)
		state = after
	}

	// Recovery, as the provider documents it: raise a timeout that was too
	// short, untaint a failed create to keep its record, apply again.
	if sc.timeout != "" {
		sc.timeout = "10m"
		cli.WriteConfig(t, sc.config(t, env, cli.Dir))
	}
	state = check.untaintAsDocumented(&cli, state)
	goneBefore := map[string]bool{} // requested persons gone before the final apply
	for _, p := range requested {
		if _, ok := env.Emulator.PersonByUUID(p.uuid); !ok {
			goneBefore[p.uuid] = true
		}
	}
	final := rec.currentApply() + 1
	rec.nextApply()
	started := time.Now()
	out, err := cli.Run("apply", "-auto-approve")
	if err != nil {
		fail("the apply after the interruptions failed: %v\n%s", err, out)
	}
	t.Logf("final apply ran %s", time.Since(started).Round(time.Millisecond))
	rec.nextApply()
	after := readInterruptState(t, &cli)
	if !after.present || after.tainted {
		fail("after the final apply the resource is present=%t tainted=%t", after.present, after.tainted)
	}
	calls := rec.callsOf(final)
	t.Logf("final apply: %s; requests: %s", appliedAction(out), describeCalls(calls))
	check.transition(state, after, calls, true)
	check.finalUnmatched(state, after, appliedAction(out), requested, goneBefore)

	// Every requested person is gone, and nobody else is.
	for _, p := range requested {
		if _, ok := env.Emulator.PersonByUUID(p.uuid); ok {
			fail("requested person %s still exists after the final apply", p.uuid)
		}
		for _, id := range p.ids {
			if owner, ok := env.Emulator.PersonByDistinctID(id); ok {
				fail("distinct id %s of deleted person %s belongs to %s", id, p.uuid, owner.UUID)
			}
		}
	}
	check.bystanders()
	for _, c := range rec.callsOf(0) {
		if c.route == "delete_person" {
			fail("the provider called DELETE on a single person")
		}
		if c.route != "bulk_delete" {
			continue
		}
		for _, id := range c.dids {
			if !slices.Contains(sc.ids, id) {
				fail("apply %d sent bulk_delete for distinct id %s, which the request does not name", c.apply, id)
			}
		}
		for _, id := range c.ids {
			if !requestedUUIDs[id] {
				fail("apply %d sent bulk_delete for %s, which the request does not name", c.apply, id)
			}
			if c.apply == final && goneBefore[id] {
				fail("the final apply deleted %s again, gone before it started", id)
			}
		}
	}
	if sc.bulk {
		if got := after.number("remaining_person_count"); got != 0 {
			fail("final remaining_person_count = %d", got)
		}
		if got := after.number("unmatched_id_count"); got < len(sc.ghosts) || got > len(sc.ghosts)+idsOf(requested, goneBefore) {
			fail("final unmatched_id_count = %d, want %d ghosts plus at most the %d ids of persons deleted by the interrupted applies",
				got, len(sc.ghosts), idsOf(requested, goneBefore))
		}
	} else {
		if remaining := after.list("remaining_person_uuids"); len(remaining) != 0 {
			fail("final remaining_person_uuids = %v", remaining)
		}
		unmatched := after.list("unmatched_ids")
		for _, g := range sc.ghosts {
			if !slices.Contains(unmatched, g) {
				fail("final unmatched_ids lacks ghost %s", g)
			}
		}
		for _, id := range unmatched {
			if !slices.Contains(sc.ghosts, id) && !requestedIDOf(requested, goneBefore, id) {
				fail("final unmatched_ids names %s, whose person the interrupted applies had not deleted", id)
			}
		}
	}
	if out, err := cli.Run("plan", "-detailed-exitcode"); err != nil {
		fail("the plan after the final apply is not empty (%v):\n%s", err, out)
	}

	if summary == nil {
		return after
	}
	summary.mu.Lock()
	defer summary.mu.Unlock()
	summary.scenarios[kind]++
	summary.applies += len(sc.points)
	summary.fired += fired
	for _, o := range outcomes {
		summary.outcomes[o]++
	}
	summary.requested += len(requested)
	summary.bystanders += len(sc.persons) - len(requested)
	return after
}

// runInterruptedApply runs terraform apply, interrupts it at point, waits
// for Terraform and its plugins to end and checks the state left behind
// against prior, the state before it. It reports whether the interruption
// fired and what state was left.
func runInterruptedApply(t *testing.T, fail func(string, ...any), cli *acctest.CLI, rec *apiRecorder, sc *interruptScenario,
	point interruptPoint, prior interruptState, check interruptChecker) (bool, string, interruptState) {
	t.Helper()
	var proc *acctest.Process
	var procMu sync.Mutex
	var plugins []int // the provider plugins running when the interruption fired
	rec.arm(point, func() {
		procMu.Lock()
		defer procMu.Unlock()
		plugins = proc.ProviderPIDs()
		switch sc.kind {
		case "sigint":
			_ = proc.SignalGroup(syscall.SIGINT)
			if sc.twice {
				// Terraform may have exited by then; the signal then finds nobody.
				p := proc
				time.AfterFunc(sc.secondPress, func() { _ = p.SignalGroup(syscall.SIGINT) })
			}
		case "kill-plugin":
			for _, pid := range plugins {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		case "kill-terraform":
			_ = proc.Signal(syscall.SIGKILL)
		case "timeout":
			// Nothing to send: holding the request lets the timeout expire there.
		}
	})
	apply := rec.currentApply()
	procMu.Lock()
	var err error
	proc, err = cli.Start("apply", "-auto-approve")
	procMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	out, applyErr := proc.Wait()
	t.Logf("interrupted apply ran %s", time.Since(started).Round(time.Millisecond))
	rec.nextApply()
	procMu.Lock()
	running := slices.Clone(plugins)
	procMu.Unlock()
	for _, pid := range running {
		// A plugin left behind by a Terraform that was killed or exited at
		// once must end on its own; the bound only keeps a leak from hanging
		// the test.
		if acctest.ProcessRunning(pid) {
			t.Logf("provider plugin %d outlived its Terraform; waiting for it to end", pid)
		}
		if !acctest.WaitForExit(pid, orphanExitLimit) {
			diagnosis := processDiagnosis(pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			fail("provider plugin %d still runs %s after its Terraform ended (%s)", pid, orphanExitLimit, diagnosis)
		}
	}
	if !rec.waitIdle(idleLimit) {
		fail("requests of the interrupted apply still run %s after its Terraform and plugins ended", idleLimit)
	}
	fired, firedAt := rec.firedPoint()
	t.Logf("interruption fired: %t (%s); apply: %v; requests: %s", fired, firedAt, applyErr, describeCalls(rec.callsOf(apply)))
	if fired && sc.kind == "kill-plugin" && len(running) == 0 {
		// The request came from a plugin, so Terraform must have one.
		fail("found no provider plugin among Terraform's child processes to kill")
	}
	if os.Getenv("POSTHOG_INTERRUPT_OUTPUT") != "" {
		t.Logf("output of the interrupted apply:\n%s", out)
	}
	if fired && sc.kind == "kill-terraform" {
		var exitErr *exec.ExitError
		if !errors.As(applyErr, &exitErr) {
			fail("terraform was killed but exited with %v", applyErr)
		}
	}
	if sc.kind == "sigint" && !sc.twice && fired && applyErr != nil && !strings.Contains(out, "Interrupt received") {
		fail("terraform does not report the interrupt:\n%s", out)
	}

	// What state claims after the interruption. With the local backend a
	// killed Terraform leaves .terraform.tfstate.lock.info behind, but the
	// lock itself (an fcntl lock) ended with the process: the next command
	// needs neither -lock=false nor force-unlock.
	_, lockErr := os.Stat(filepath.Join(cli.Dir, ".terraform.tfstate.lock.info"))
	after := readInterruptState(t, cli)
	outcome := "no resource in state"
	switch {
	case after.present && after.tainted:
		outcome = "tainted"
	case after.present:
		outcome = "untainted"
	}
	if after.present && prior.present && after.tainted == prior.tainted && reflect.DeepEqual(after.values, prior.values) {
		outcome += " (unchanged)"
	}
	if lockErr == nil {
		outcome += ", lock info left behind"
	}
	check.transition(prior, after, rec.callsOf(apply), false)
	check.bystanders()
	// Only now, with the state checked against what PostHog had done when
	// the apply ended: PostHog's queue carries out what the apply queued.
	if n := check.env.Emulator.FlushQueuedDeletions(); n > 0 {
		t.Logf("PostHog's queue then deleted the %d persons the interrupted apply had queued", n)
	}
	return fired, outcome, after
}

// interruptChecker holds what the checks of one scenario need.
type interruptChecker struct {
	t              *testing.T
	fail           func(string, ...any)
	sc             *interruptScenario
	env            *acctest.Env
	requestedUUIDs map[string]bool
}

// untaintAsDocumented untaints a tainted record when the scenario follows
// the error's advice to keep it (else the next apply replaces it), and
// returns the state then.
func (c interruptChecker) untaintAsDocumented(cli *acctest.CLI, st interruptState) interruptState {
	c.t.Helper()
	if !st.present || !st.tainted || !c.sc.untaint {
		return st
	}
	if out, err := cli.Run("untaint", "posthog_person_deletion.request"); err != nil {
		c.fail("untaint: %v\n%s", err, out)
	}
	return readInterruptState(c.t, cli)
}

// transition asserts that the state after one apply claims no more than
// happened: what it records on top of the record it started from (an
// untainted prior record is updated; a tainted one is replaced; no record
// means a create) is a set of persons that apply's bulk_delete calls could
// have confirmed deleted, all of them requested and gone. For the final
// apply, which must succeed, that set is every person its calls deleted.
func (c interruptChecker) transition(prior, after interruptState, calls []apiCall, final bool) {
	c.t.Helper()
	if !after.present {
		return // nothing claimed
	}
	if !final && prior.present && after.tainted == prior.tainted && reflect.DeepEqual(after.values, prior.values) {
		return // Terraform wrote no new state; the prior one was checked
	}
	kept := prior.present && !prior.tainted
	var candidates []map[string]bool
	if final {
		all := map[string]bool{}
		for _, call := range calls {
			if call.route == "bulk_delete" {
				for _, id := range call.ids {
					all[id] = true
				}
			}
		}
		candidates = []map[string]bool{all}
	} else {
		candidates = recordableSets(calls)
	}
	var matched map[string]bool
	if c.sc.bulk {
		count, digest := after.number("deleted_person_count"), after.str("deleted_person_uuids_digest")
		for _, set := range candidates {
			wantCount, wantDigest := len(set), interruptDigest(set)
			if kept {
				wantCount = prior.number("deleted_person_count") + len(set)
				wantDigest = chainedDigest(prior.str("deleted_person_uuids_digest"), set)
			}
			if count == wantCount && digest == wantDigest {
				matched = set
				break
			}
		}
		if matched == nil {
			c.fail("state records deleted_person_count %d with a digest that matches no set of persons this apply deleted "+
				"(record kept from before: %t, final apply: %t)", count, kept, final)
		}
	} else {
		deleted := after.list("deleted_person_uuids")
		if after.number("deleted_person_count") != len(deleted) {
			c.fail("deleted_person_count %d differs from the %d deleted_person_uuids", after.number("deleted_person_count"), len(deleted))
		}
		added := map[string]bool{}
		for _, id := range deleted {
			added[id] = true
		}
		if kept {
			for _, id := range prior.list("deleted_person_uuids") {
				if !added[id] {
					c.fail("the updated record dropped %s, recorded as deleted before", id)
				}
				delete(added, id)
			}
		}
		for _, set := range candidates {
			if maps.Equal(set, added) {
				matched = set
				break
			}
		}
		if matched == nil {
			c.fail("state records %d newly deleted persons, which match no set of persons this apply deleted "+
				"(record kept from before: %t, final apply: %t)", len(added), kept, final)
		}
	}
	for id := range matched {
		if !c.requestedUUIDs[id] {
			c.fail("state records deleting %s, which the request does not resolve to", id)
		}
		if _, ok := c.env.Emulator.PersonByUUID(id); ok {
			c.fail("state records deleting %s, which still exists", id)
		}
	}
	c.t.Logf("state records %d persons deleted by this apply (record kept from before: %t)", len(matched), kept)
}

// bystanders asserts that every person the request does not name keeps
// its distinct ids and events.
func (c interruptChecker) bystanders() {
	c.t.Helper()
	fail, env := c.fail, c.env
	for _, p := range c.sc.persons {
		if len(p.requested) > 0 {
			continue
		}
		got, ok := env.Emulator.PersonByUUID(p.uuid)
		if !ok {
			fail("bystander %s (%v) is gone", p.uuid, p.ids)
		}
		gotIDs := slices.Sorted(slices.Values(got.DistinctIDs))
		if !slices.Equal(gotIDs, slices.Sorted(slices.Values(p.ids))) {
			fail("bystander %s has distinct ids %v, want %v", p.uuid, gotIDs, p.ids)
		}
		if n := env.Emulator.EventCount(p.uuid); n != p.events {
			fail("bystander %s has %d events, want %d", p.uuid, n, p.events)
		}
	}
}

// idsOf counts the requested ids of the persons in set.
func idsOf(persons []interruptPerson, set map[string]bool) int {
	n := 0
	for _, p := range persons {
		if set[p.uuid] {
			n += len(p.requested)
		}
	}
	return n
}

// requestedIDOf reports whether id is a requested id of a person in set.
func requestedIDOf(persons []interruptPerson, set map[string]bool, id string) bool {
	for _, p := range persons {
		if set[p.uuid] && slices.Contains(p.requested, id) {
			return true
		}
	}
	return false
}

// applySummary is the last line of a successful terraform apply.
var applySummary = regexp.MustCompile(`Resources: (\d+) added, (\d+) changed, (\d+) destroyed`)

// appliedAction tells from an apply's output what it did to the one
// resource: create (a new record, possibly replacing a tainted one),
// update, or none; "" when the output has no summary.
func appliedAction(out string) string {
	m := applySummary.FindStringSubmatch(out)
	switch {
	case m == nil:
		return ""
	case m[1] != "0":
		return "create"
	case m[2] != "0":
		return "update"
	}
	return "none"
}

// finalUnmatched checks the ids the final record says matched no person.
// PostHog had carried out every deletion of the interrupted applies before
// the final apply, so the ids that match no person during it are exactly the
// ghosts and the requested ids of the persons gone before it. A new record
// (also one replacing a tainted record, which it cannot see) lists all of
// them. A kept record whose deletion ran again (its evidence gained an
// apply) lists those that its earlier applies did not match either (its
// unmatched_ids before); one whose deletion did not run (nothing to do, or
// only the timeouts changed) keeps them as they were. The bulk form keeps
// the count of the last deletion that ran.
func (c interruptChecker) finalUnmatched(prior, after interruptState, action string, requested []interruptPerson, goneBefore map[string]bool) {
	c.t.Helper()
	kept := prior.present && !prior.tainted
	switch {
	case action == "":
		c.fail("the final apply printed no summary of what it did")
	case !kept && action != "create":
		c.fail("the final apply did %q, want it to create the record (no record or a tainted one before it)", action)
	case kept && action == "create":
		c.fail("the final apply replaced an untainted record")
	}
	ran := !kept || c.evidenceApplies(after) > c.evidenceApplies(prior)
	unmatchedNow := slices.Clone(c.sc.ghosts)
	for _, p := range requested {
		if goneBefore[p.uuid] {
			unmatchedNow = append(unmatchedNow, p.requested...)
		}
	}
	if c.sc.bulk {
		want := len(unmatchedNow)
		if !ran {
			want = prior.number("unmatched_id_count")
		}
		if got := after.number("unmatched_id_count"); got != want {
			c.fail("final unmatched_id_count = %d after a final apply that did %q (deletion ran: %t), want %d "+
				"(%d ghosts, %d ids of persons gone before it)",
				got, action, ran, want, len(c.sc.ghosts), len(unmatchedNow)-len(c.sc.ghosts))
		}
		return
	}
	var want []string
	switch {
	case !kept:
		want = unmatchedNow
	case ran:
		for _, id := range prior.list("unmatched_ids") {
			if slices.Contains(unmatchedNow, id) {
				want = append(want, id)
			}
		}
	default:
		want = prior.list("unmatched_ids")
	}
	got := slices.Sorted(slices.Values(after.list("unmatched_ids")))
	if want = slices.Sorted(slices.Values(want)); !slices.Equal(got, want) {
		c.fail("final unmatched_ids has %d ids after a final apply that did %q (deletion ran: %t), want %d "+
			"(%d ghosts, %d ids of persons gone before it; %d unmatched before it)", len(got), action, ran, len(want),
			len(c.sc.ghosts), len(unmatchedNow)-len(c.sc.ghosts), len(prior.list("unmatched_ids")))
	}
}

// evidenceApplies counts the applies the record's evidence lists: every
// apply that ran the deletion adds one.
func (c interruptChecker) evidenceApplies(st interruptState) int {
	c.t.Helper()
	var record evidenceDoc
	if err := json.Unmarshal([]byte(st.str("evidence")), &record); err != nil {
		c.fail("the record's evidence does not decode: %v", err)
	}
	return len(record.Applies)
}

// describeCalls summarizes an apply's requests for the log: how many of
// each route, how many PostHog handled, and the persons bulk_delete named.
func describeCalls(calls []apiCall) string {
	type tally struct{ calls, handled, persons int }
	byRoute := map[string]*tally{}
	for _, c := range calls {
		t := byRoute[c.route]
		if t == nil {
			t = &tally{}
			byRoute[c.route] = t
		}
		t.calls++
		if c.handled {
			t.handled++
		}
		if c.route == "bulk_delete" {
			t.persons += len(c.ids)
		}
	}
	if len(byRoute) == 0 {
		return "none"
	}
	var parts []string
	for _, route := range slices.Sorted(maps.Keys(byRoute)) {
		t := byRoute[route]
		part := fmt.Sprintf("%s %d (%d handled", route, t.calls, t.handled)
		if route == "bulk_delete" {
			part += fmt.Sprintf(", %d persons", t.persons)
		}
		parts = append(parts, part+")")
	}
	return strings.Join(parts, ", ")
}

// processDiagnosis describes a process that should have ended: its state,
// parent and threads from /proc/PID/status and the kernel function it
// sleeps in (/proc/PID/wchan), so that a leaked plugin leaves evidence.
func processDiagnosis(pid int) string {
	var parts []string
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			for _, key := range []string{"State:", "PPid:", "Threads:"} {
				if strings.HasPrefix(line, key) {
					parts = append(parts, strings.Join(strings.Fields(line), " "))
				}
			}
		}
	}
	if wchan, err := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", pid)); err == nil {
		parts = append(parts, "wchan: "+string(wchan))
	}
	if len(parts) == 0 {
		return "no /proc entry"
	}
	return strings.Join(parts, "; ")
}
