package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunServesAndPrintsFirstLine(t *testing.T) {
	t.Parallel()
	seed := filepath.Join(t.TempDir(), "seed.jsonl")
	if err := os.WriteFile(seed, []byte(`{"event":"$pageview","distinct_id":"seeded","properties":{"$set":{"email":"s@x.io"}},"timestamp":"2024-01-01T00:00:00Z"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-seed", seed, "-api-key", "k1=person:read@1", "-api-key", "legacy="}, pw, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "posthog-emulator listening on ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	req, _ := http.NewRequest("GET", base+"/api/projects/1/persons/?distinct_id=seeded", nil)
	req.Header.Set("Authorization", "Bearer k1")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Results []map[string]any `json:"results"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 200 || len(body.Results) != 1 || body.Results[0]["name"] != "s@x.io" {
		t.Fatalf("%d %v", res.StatusCode, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no graceful shutdown")
	}
}

func TestRunBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-bulk-delete-mode", "later"},
		{"-fault-5xx", "2"},
		{"-api-key", "noequals"},
		{"-api-key", "k=*@x"},
		{"-rate-limit-scale", "0"},
		{"-latency", "soon"},
		{"-seed", "/does/not/exist"},
		{"-async-query-polls", "0"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		var ue usageError
		if err == nil || !errors.As(err, &ue) {
			t.Fatalf("%v: err %v, want usage error", args, err)
		}
	}
}

func TestAPIKeyFlag(t *testing.T) {
	t.Parallel()
	var k apiKeyFlags
	for _, v := range []string{"a=*", "b=", "c=person:read,person:write@1,2"} {
		if err := k.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if len(k[0].Scopes) != 1 || k[1].Scopes != nil || len(k[2].Scopes) != 2 || len(k[2].Projects) != 2 || k[0].Projects != nil {
		t.Fatalf("%+v", k)
	}
}

// -async-queries: a query asking for refresh "async" answers 202 with its
// query_status, and the poll at /query/<id>/ answers the result
// (docs/dev/posthog-behaviour.md#query-api).
func TestRunAsyncQueries(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	go func() {
		_ = run(ctx, []string{"-listen", "127.0.0.1:0", "-async-queries", "-seed-scenario", "S4"}, pw, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimPrefix(strings.TrimSpace(line), "posthog-emulator listening on ")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	call := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer phx_emulator")
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	code, m := call("POST", "/api/projects/1/query/", `{"refresh":"async","client_query_id":"q1","query":{"kind":"ActorsQuery","select":["actor"],
		"source":{"kind":"FunnelsActorsQuery","funnelStep":3,"source":{"kind":"FunnelsQuery",
		"dateRange":{"date_from":"2021-05-01","date_to":"2021-05-07 23:59:59"},
		"funnelsFilter":{"funnelWindowInterval":7},
		"series":[{"kind":"EventsNode","event":"step one"},{"kind":"EventsNode","event":"step two"},{"kind":"EventsNode","event":"step three"}]}}}}`)
	if st, _ := m["query_status"].(map[string]any); code != 202 || st["id"] != "q1" || st["complete"] != false {
		t.Fatalf("create: %d %v", code, m)
	}
	code, m = call("GET", "/api/projects/1/query/q1/", "")
	if code != 202 {
		t.Fatalf("first poll: %d %v", code, m)
	}
	code, m = call("GET", "/api/projects/1/query/q1/", "")
	st, _ := m["query_status"].(map[string]any)
	res, _ := st["results"].(map[string]any)
	if rows, _ := res["results"].([]any); code != 200 || st["complete"] != true || len(rows) != 5 {
		t.Fatalf("second poll: %d %v", code, m)
	}
}
