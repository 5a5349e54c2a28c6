package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

var testNow = time.Date(2025, 5, 15, 12, 0, 0, 0, time.UTC)

func TestSeedIsDeterministic(t *testing.T) {
	a, b := seedEvents(400, testNow), seedEvents(400, testNow)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two seeds with the same now differ")
	}
	if len(a) < 400 {
		t.Fatalf("only %d events for 400 persons", len(a))
	}
	start := testNow.Add(-30 * 24 * time.Hour)
	identifies := 0
	for _, e := range a {
		if e.Timestamp.Before(start) || e.Timestamp.After(testNow) {
			t.Errorf("event %s of %s at %s is outside the last 30 days", e.Event, e.DistinctID, e.Timestamp)
		}
		if e.Event == "$identify" {
			identifies++
		}
	}
	if identifies == 0 {
		t.Error("no $identify events")
	}
}

// TestSeedCoversRequests ingests the seed and checks examples/demo/requests.json
// against it: every id but unmatchedID resolves to a person, and each ticket
// matches the persons the demo promises.
func TestSeedCoversRequests(t *testing.T) {
	const n = 1000
	srv := emulator.New(emulator.Config{Now: func() time.Time { return testNow }})
	defer srv.Close()
	srv.Ingest(seedEvents(n, testNow)...)

	persons := srv.Persons()
	if len(persons) != n {
		t.Fatalf("seed made %d persons, want %d", len(persons), n)
	}
	merged := 0
	for _, p := range persons {
		if len(p.DistinctIDs) > 1 {
			merged++
		}
		if p.IsIdentified && (p.Properties["email"] == nil || p.Properties["name"] == nil || p.Properties["plan"] == nil) {
			t.Errorf("identified person %v lacks email/name/plan: %v", p.DistinctIDs, p.Properties)
		}
	}
	if merged < n/10 {
		t.Errorf("only %d of %d persons have several distinct ids", merged, n)
	}

	requests, err := requestedIDs(filepath.Join("..", "..", "..", "examples", "demo", "requests.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"DSR-1001": 1, "DSR-1002": 1, "DSR-1003": 2, "DSR-1004": 1}
	if len(requests) != len(want) {
		t.Fatalf("requests.json has tickets %v, want %v", requests, want)
	}
	sawUnmatched := false
	for ticket, ids := range requests {
		found := map[string]bool{}
		for _, id := range ids {
			p, ok := srv.PersonByDistinctID(id)
			switch {
			case id == unmatchedID:
				sawUnmatched = true
				if ok {
					t.Errorf("%s: %s should match no person, matches %v", ticket, id, p.DistinctIDs)
				}
			case !ok:
				t.Errorf("%s: %s matches no person", ticket, id)
			default:
				found[p.UUID] = true
			}
		}
		if len(found) != want[ticket] {
			t.Errorf("%s matches %d persons, want %d", ticket, len(found), want[ticket])
		}
	}
	if !sawUnmatched {
		t.Errorf("requests.json no longer names %s, the id that shows unmatched_ids", unmatchedID)
	}
}

func TestWriteCLIConfig(t *testing.T) {
	dir := t.TempDir()
	plugins := filepath.Join(dir, "bin")
	path, err := writeCLIConfig(dir, plugins)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(path) != dir {
		t.Errorf("CLI config written to %s, want it in %s", path, dir)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, want := range []string{"provider_installation {", "dev_overrides {",
		`"posthog-persons/posthog" = "` + filepath.ToSlash(plugins) + `"`, "direct {}"} {
		if !strings.Contains(text, want) {
			t.Errorf("CLI config lacks %q:\n%s", want, text)
		}
	}
}

func TestChildEnv(t *testing.T) {
	env := childEnv([]string{"PATH=/bin", "TF_CLI_CONFIG_FILE=/root/.terraformrc", "POSTHOG_HOST=https://us.posthog.com",
		"POSTHOG_API_KEY=phx_real", "TF_CLI_ARGS_apply=-parallelism=1"}, "/tmp/x/terraform.rc", "http://127.0.0.1:1")
	got := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := got[k]; dup {
			t.Errorf("%s set twice", k)
		}
		got[k] = v
	}
	want := map[string]string{"PATH": "/bin", "TF_CLI_CONFIG_FILE": "/tmp/x/terraform.rc", "POSTHOG_HOST": "http://127.0.0.1:1",
		"POSTHOG_API_KEY": "phx_emulator", "POSTHOG_PROJECT_ID": "1"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["TF_CLI_ARGS_apply"]; ok {
		t.Error("TF_CLI_ARGS_* should not reach the demo's Terraform")
	}
}

func TestFindTerraform(t *testing.T) {
	root := t.TempDir()
	fake := func(path string) string {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	onPath := fake(filepath.Join(t.TempDir(), "terraform"))
	envTF := fake(filepath.Join(t.TempDir(), "tf-from-env"))
	local := fake(filepath.Join(root, "bin", "terraform"))
	flagTF := fake(filepath.Join(t.TempDir(), "tf-from-flag"))

	t.Setenv("PATH", filepath.Dir(onPath))
	t.Setenv("TF_ACC_TERRAFORM_PATH", envTF)
	check := func(flagValue, want, wantHow string) {
		t.Helper()
		got, how, err := findTerraform(flagValue, root)
		if err != nil || got != want || how != wantHow {
			t.Errorf("findTerraform(%q) = %q, %q, %v; want %q, %q", flagValue, got, how, err, want, wantHow)
		}
	}
	check(flagTF, flagTF, "-terraform")
	check("", envTF, "TF_ACC_TERRAFORM_PATH")
	t.Setenv("TF_ACC_TERRAFORM_PATH", "")
	check("", onPath, "PATH")
	t.Setenv("PATH", t.TempDir())
	check("", local, "bin/terraform")
	if err := os.Remove(local); err != nil {
		t.Fatal(err)
	}
	if _, _, err := findTerraform("", root); err == nil || !strings.Contains(err.Error(), "make terraform") ||
		!strings.Contains(err.Error(), "github.com/hashicorp/terraform@v1.8.5") {
		t.Errorf("without any Terraform: err = %v, want build instructions", err)
	}
}

func TestCopyDirLeavesStateBehind(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "work")
	for name, body := range map[string]string{"main.tf": "# x\n", "terraform.tfstate": "{}", ".terraform/x": "y", "sub/a.json": "[]"} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := copyDir(src, dst); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"main.tf": true, "sub/a.json": true, "terraform.tfstate": false, ".terraform": false} {
		_, err := os.Stat(filepath.Join(dst, name))
		if got := err == nil; got != want {
			t.Errorf("%s copied = %v, want %v", name, got, want)
		}
	}
}
