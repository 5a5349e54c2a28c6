package provider_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// Drawing an interrupted-applies scenario from its seed, and reading the
// state each apply leaves.

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
