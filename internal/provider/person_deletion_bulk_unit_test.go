package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestParseIDFile(t *testing.T) {
	ids, problems := parseIDFile([]byte("alice\r\n\nbob\n carol\n"), false)
	if strings.Join(ids, ",") != "alice,bob, carol" {
		t.Errorf("ids = %q", ids)
	}
	if len(problems.errors) != 0 || len(problems.warnings) != 1 || !strings.Contains(problems.warnings[0], "line 4") {
		t.Errorf("problems = %+v", problems)
	}

	_, problems = parseIDFile([]byte("a\n  \nb\na\nb\n"), false)
	got := strings.Join(problems.errors, "\n")
	for _, want := range []string{"line 2.", "line 4 (same as line 1), 5 (same as line 3)", "2 lines repeat"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}

	const u = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	ids, problems = parseIDFile([]byte(u+"\nnot-a-uuid\n{"+u+"}\n"+strings.ToUpper(u)), true)
	got = strings.Join(problems.errors, "\n")
	for _, want := range []string{`line 2 ("not-a-uuid")`, "line 3", "line 4 (same as line 1)"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}
	if len(ids) != 1 {
		t.Errorf("ids = %q", ids)
	}

	// Many problems: ten line numbers, then a count.
	_, problems = parseIDFile([]byte(strings.Repeat("x\n", 25)), false)
	if got := problems.errors[0]; !strings.Contains(got, "24 lines repeat") || !strings.Contains(got, "and 14 more") {
		t.Errorf("error = %q", got)
	}
}

func TestReadIDFileErrors(t *testing.T) {
	if _, problems := readIDFile(t.TempDir()+"/missing.txt", false); len(problems.errors) != 1 ||
		!strings.Contains(problems.errors[0], "path.module") {
		t.Errorf("missing file: %+v", problems)
	}
}

func TestRequestDigest(t *testing.T) {
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	r := deletionRequest{ids: []string{"bob", "alice"}}
	if got, want := requestDigest(r), sum("alice\nbob"); got != want {
		t.Errorf("digest = %s, want sha256(alice\\nbob) = %s", got, want)
	}
	if r.ids[0] != "bob" {
		t.Error("requestDigest reordered the request's ids")
	}
	up := deletionRequest{byUUID: true, ids: []string{"0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B"}}
	if got, want := requestDigest(up), sum("0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"); got != want {
		t.Errorf("uuid digest = %s, want %s", got, want)
	}

	first := chainDeletedDigest(types.StringNull(), []string{"B", "a"})
	if first.ValueString() != sum("a\nb") {
		t.Errorf("first digest = %s", first.ValueString())
	}
	if same := chainDeletedDigest(first, nil); !same.Equal(first) {
		t.Error("an apply that deleted nobody changed the digest")
	}
	if next := chainDeletedDigest(first, []string{"d", "c"}); next.ValueString() != sum(first.ValueString()+"\nc\nd") {
		t.Errorf("chained digest = %s", next.ValueString())
	}
}
