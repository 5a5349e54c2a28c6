package main

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// seedRandom is the fixed math/rand seed: every run generates the same data
// (relative to the "now" it is given).
const seedRandom = 20250501

// unmatchedID is named in examples/demo/requests.json and must match no person.
const unmatchedID = "user_99999"

// fixture is a hand-made person that examples/demo/requests.json refers to.
// The first id is identified; the others are anonymous ids merged into it
// with $identify. alone lists anonymous ids that are separate persons (a
// device that was never identified).
type fixture struct {
	ids   []string
	email string
	name  string
	plan  string
	alone []string
}

var fixtures = []fixture{
	{ids: []string{"user_10482", "anon_5c1e0a7d", "anon_9a3f11b2"}, email: "alice.nguyen@example.com", name: "Alice Nguyen", plan: "pro"},
	{ids: []string{"bob.martin@example.org", "anon_0b7e2c91"}, email: "bob.martin@example.org", name: "Bob Martin", plan: "free"},
	{ids: []string{"user_30117", "anon_77c0e3aa"}, email: "dana.kowalski@example.net", name: "Dana Kowalski", plan: "team", alone: []string{"anon_d41d8cd9"}},
	{ids: []string{"user_20931"}, email: "carl.osei@example.com", name: "Carl Osei", plan: "enterprise"},
}

// fixturePersons is how many persons the fixtures make.
func fixturePersons() int {
	n := 0
	for _, f := range fixtures {
		n += 1 + len(f.alone)
	}
	return n
}

var (
	firstNames = []string{"Ada", "Ben", "Chloé", "Diego", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas",
		"Kemi", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Yusuf", "Zoe"}
	lastNames = []string{"Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ito", "Jensen",
		"Khan", "Larsen", "Müller", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Yilmaz", "Zhou"}
	domains = []string{"example.com", "example.org", "example.net", "mail.example", "corp.example"}
	plans   = []string{"free", "free", "free", "pro", "pro", "team", "enterprise"}
	pages   = []string{"/", "/pricing", "/docs", "/docs/getting-started", "/blog", "/blog/launch-week", "/signup",
		"/login", "/app", "/app/dashboard", "/app/settings", "/app/billing", "/changelog"}
	browsers = []string{"Chrome", "Firefox", "Safari", "Edge"}
	oses     = []string{"Mac OS X", "Windows", "Linux", "iOS", "Android"}
)

// seedEvents generates events for n persons in total (the fixtures included),
// deterministically for a given now: pageviews and other events over the 30
// days before now, $identify with $set (email, name, plan) for identified
// persons, and one or two anonymous ids merged into about a third of them.
// Events of one person come in time order, persons one after the other.
func seedEvents(n int, now time.Time) []emulator.Event {
	r := rand.New(rand.NewSource(seedRandom))
	now = now.UTC().Truncate(time.Second)
	start := now.Add(-30 * 24 * time.Hour)

	reserved := map[string]bool{unmatchedID: true}
	for _, f := range fixtures {
		for _, id := range append(append([]string{}, f.ids...), f.alone...) {
			reserved[id] = true
		}
	}
	used := map[string]bool{}
	anonID := func() string {
		for {
			// Shaped like the UUIDv7 ids posthog-js generates.
			id := fmt.Sprintf("%08x-%04x-7%03x-%04x-%012x", r.Uint32(), r.Intn(1<<16), r.Intn(1<<12),
				0x8000|r.Intn(1<<14), r.Int63n(1<<48))
			if !used[id] && !reserved[id] {
				used[id] = true
				return id
			}
		}
	}

	var events []emulator.Event
	// session emits a few events for one distinct id from t on and returns the
	// time after the last one.
	session := func(distinctID string, t time.Time, count int) time.Time {
		browser, os := browsers[r.Intn(len(browsers))], oses[r.Intn(len(oses))]
		for i := 0; i < count; i++ {
			if i > 0 && t.After(now) {
				break // keep everything in the past
			}
			page := pages[r.Intn(len(pages))]
			name, props := "$pageview", map[string]any{"$current_url": "https://app.example.com" + page, "$pathname": page}
			switch x := r.Intn(10); {
			case x == 0:
				name, props = "$autocapture", map[string]any{"$event_type": "click", "$el_text": "Get started"}
			case x == 1:
				name, props = "$pageleave", map[string]any{"$current_url": "https://app.example.com" + page}
			case x == 2 && strings.HasPrefix(page, "/app"):
				name, props = "feature_used", map[string]any{"feature": []string{"dashboards", "exports", "alerts"}[r.Intn(3)]}
			}
			props["$browser"], props["$os"] = browser, os
			events = append(events, emulator.Event{Event: name, DistinctID: distinctID, Timestamp: t, Properties: props})
			t = t.Add(time.Duration(5+r.Intn(300)) * time.Second)
		}
		return t
	}
	randomTime := func(from time.Time, span time.Duration) time.Time {
		if span <= 0 {
			return from
		}
		return from.Add(time.Duration(r.Int63n(int64(span)))).Truncate(time.Millisecond)
	}
	identify := func(userID, anon string, t time.Time, set map[string]any) {
		props := map[string]any{"$set": set}
		if anon != "" {
			props["$anon_distinct_id"] = anon
		}
		if t.After(now) {
			t = now
		}
		events = append(events, emulator.Event{Event: "$identify", DistinctID: userID, Timestamp: t, Properties: props})
	}

	// The fixtures first: requests.json names them.
	persons := 0
	for _, f := range fixtures {
		set := map[string]any{"email": f.email, "name": f.name, "plan": f.plan}
		t := randomTime(start, 10*24*time.Hour)
		if len(f.ids) == 1 {
			identify(f.ids[0], "", t, set)
			t = session(f.ids[0], t.Add(time.Second), 2+r.Intn(6))
		}
		for _, anon := range f.ids[1:] {
			t = session(anon, t, 1+r.Intn(4))
			identify(f.ids[0], anon, t, set)
			t = session(f.ids[0], t.Add(time.Second), 2+r.Intn(6)).Add(time.Duration(r.Intn(72)) * time.Hour)
		}
		for _, anon := range f.alone {
			session(anon, randomTime(start, 29*24*time.Hour), 1+r.Intn(4))
		}
		persons += 1 + len(f.alone)
	}

	for i := 0; persons < n; i++ {
		persons++
		t := randomTime(start, 29*24*time.Hour)
		span := now.Sub(t)
		roll := r.Intn(100)
		if roll < 15 {
			// An anonymous visitor who never signed up.
			session(anonID(), t, 1+r.Intn(5))
			continue
		}
		userID := fmt.Sprintf("user_%05d", 40000+i)
		if reserved[userID] {
			persons--
			continue
		}
		first, last := firstNames[r.Intn(len(firstNames))], lastNames[r.Intn(len(lastNames))]
		set := map[string]any{
			"email": fmt.Sprintf("%s.%s%d@%s", strings.ToLower(first), strings.ToLower(last), i, domains[r.Intn(len(domains))]),
			"name":  first + " " + last,
			"plan":  plans[r.Intn(len(plans))],
		}
		anons := 0
		switch {
		case roll < 40:
			anons = 1
		case roll < 50:
			anons = 2 // a second device, merged on login
		}
		if anons == 0 {
			identify(userID, "", t, set)
			t = t.Add(time.Second)
		}
		for j := 0; j < anons; j++ {
			anon := anonID()
			t = session(anon, t, 1+r.Intn(4))
			identify(userID, anon, t, set)
			t = t.Add(randomDuration(r, span/4))
		}
		// A few visits over the rest of the month.
		for v := 1 + r.Intn(3); v > 0 && t.Before(now); v-- {
			t = session(userID, t, 1+r.Intn(6)).Add(randomDuration(r, span/3))
		}
	}
	return events
}

func randomDuration(r *rand.Rand, limit time.Duration) time.Duration {
	if limit <= time.Second {
		return time.Second
	}
	return time.Duration(r.Int63n(int64(limit))).Truncate(time.Second)
}
