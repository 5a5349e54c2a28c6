package deletion

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestParseIDFile(t *testing.T) {
	ids, problems := ParseIDFile([]byte("alice\r\n\nbob\n carol\n"), false)
	if strings.Join(ids, ",") != "alice,bob, carol" {
		t.Errorf("ids = %q", ids)
	}
	if len(problems.Errors) != 0 || len(problems.Warnings) != 1 || !strings.Contains(problems.Warnings[0], "line 4") {
		t.Errorf("problems = %+v", problems)
	}

	_, problems = ParseIDFile([]byte("a\n  \nb\na\nb\n"), false)
	got := strings.Join(problems.Errors, "\n")
	for _, want := range []string{"line 2.", "line 4 (same as line 1), 5 (same as line 3)", "2 lines repeat"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}

	const u = "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"
	ids, problems = ParseIDFile([]byte(u+"\nnot-a-uuid\n{"+u+"}\n"+strings.ToUpper(u)), true)
	got = strings.Join(problems.Errors, "\n")
	for _, want := range []string{`line 2 ("not-a-uuid")`, "line 3", "line 4 (same as line 1)"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors %q lack %q", got, want)
		}
	}
	if len(ids) != 1 {
		t.Errorf("ids = %q", ids)
	}

	// Many problems: ten line numbers, then a count.
	_, problems = ParseIDFile([]byte(strings.Repeat("x\n", 25)), false)
	if got := problems.Errors[0]; !strings.Contains(got, "24 lines repeat") || !strings.Contains(got, "and 14 more") {
		t.Errorf("error = %q", got)
	}
}

func TestReadIDFileErrors(t *testing.T) {
	if _, problems := ReadIDFile(t.TempDir()+"/missing.txt", false); len(problems.Errors) != 1 ||
		!strings.Contains(problems.Errors[0], "path.module") {
		t.Errorf("missing file: %+v", problems)
	}
}

func TestRequestDigest(t *testing.T) {
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	r := Request{IDs: []string{"bob", "alice"}}
	if got, want := r.Digest(), sum("alice\nbob"); got != want {
		t.Errorf("digest = %s, want sha256(alice\\nbob) = %s", got, want)
	}
	if r.IDs[0] != "bob" {
		t.Error("requestDigest reordered the request's ids")
	}
	up := Request{ByUUID: true, IDs: []string{"0190B2A4-5C1E-7D2F-8A3B-4C5D6E7F8A9B"}}
	if got, want := up.Digest(), sum("0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b"); got != want {
		t.Errorf("uuid digest = %s, want %s", got, want)
	}

	first := ChainDigest("", []string{"B", "a"})
	if first != sum("a\nb") {
		t.Errorf("first digest = %s", first)
	}
	if same := ChainDigest(first, nil); same != first {
		t.Error("an apply that deleted nobody changed the digest")
	}
	if next := ChainDigest(first, []string{"d", "c"}); next != sum(first+"\nc\nd") {
		t.Errorf("chained digest = %s", next)
	}
}
