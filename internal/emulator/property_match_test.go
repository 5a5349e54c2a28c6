package emulator

import (
	"fmt"
	"net/url"
	"testing"
)

// matchProps is the person the operator table is worked out against. Values
// are as JSON decoding gives them: numbers are float64.
var matchProps = map[string]any{
	"email":   "Alice@Example.com",
	"plan":    "pro",
	"age":     "42", // a number stored as a string
	"count":   float64(10),
	"score":   7.5,
	"zero":    float64(0),
	"beta":    true,
	"blank":   "",
	"nothing": nil, // stored as JSON null
}

// Expected results follow HogQL's property filters: absent and null are not
// set; values compare as text; gt/gte/lt/lte compare numbers; a list value is
// "any of" (positive operators) or "none of" (negated operators).
var operatorCases = []struct {
	key   string
	op    string
	value any
	want  bool
}{
	// exact: text equality, case-sensitive.
	{"email", "exact", "Alice@Example.com", true},
	{"email", "exact", "alice@example.com", false},
	{"plan", "exact", []any{"free", "pro"}, true},
	{"plan", "exact", []any{"free", "team"}, false},
	{"count", "exact", "10", true}, // the number 10 reads as "10"
	{"count", "exact", float64(10), true},
	{"age", "exact", float64(42), true}, // "42" and 42 are the same text
	{"score", "exact", "7.50", false},   // 7.5 reads as "7.5"
	{"beta", "exact", "true", true},
	{"beta", "exact", true, true},
	{"beta", "exact", "True", false}, // JSON text, not Python's str(True)
	{"blank", "exact", "", true},
	{"nothing", "exact", "", false}, // null is not set
	{"missing", "exact", "", false},
	// is_not: the negation of exact, so unset properties match.
	{"plan", "is_not", "free", true},
	{"plan", "is_not", "pro", false},
	{"plan", "is_not", []any{"free", "pro"}, false},
	{"plan", "is_not", []any{"free", "team"}, true},
	{"count", "is_not", float64(10), false},
	{"missing", "is_not", "pro", true},
	{"nothing", "is_not", "pro", true},
	// icontains: case-insensitive substring.
	{"email", "icontains", "EXAMPLE", true},
	{"email", "icontains", "example.org", false},
	{"email", "icontains", []any{"zzz", "alice"}, true},
	{"email", "icontains", "", true},
	{"count", "icontains", "1", true},
	{"beta", "icontains", "RU", true},
	{"missing", "icontains", "", false},
	{"nothing", "icontains", "", false},
	// not_icontains.
	{"email", "not_icontains", "example", false},
	{"email", "not_icontains", "zzz", true},
	{"email", "not_icontains", []any{"zzz", "ALICE"}, false},
	{"missing", "not_icontains", "x", true},
	{"nothing", "not_icontains", "x", true},
	// regex: RE2, case-sensitive unless the pattern says otherwise.
	{"email", "regex", "^alice", false},
	{"email", "regex", "(?i)^alice", true},
	{"email", "regex", `@Example\.com$`, true},
	{"count", "regex", "^1[0-9]$", true},
	{"plan", "regex", []any{"^f", "^p"}, true},
	{"missing", "regex", ".*", false},
	{"nothing", "regex", ".*", false},
	// not_regex.
	{"email", "not_regex", "^Alice", false},
	{"email", "not_regex", "^Bob", true},
	{"plan", "not_regex", []any{"^f", "^p"}, false},
	{"missing", "not_regex", ".*", true},
	{"nothing", "not_regex", ".*", true},
	// gt / gte / lt / lte: numbers on both sides, whatever their JSON type.
	{"age", "gt", float64(41), true},
	{"age", "gt", float64(42), false},
	{"age", "gte", float64(42), true},
	{"age", "gt", "9", true}, // 42 > 9 as numbers (as text "42" < "9")
	{"count", "gt", float64(9), true},
	{"count", "lt", float64(10), false},
	{"count", "lte", float64(10), true},
	{"count", "lt", "10.5", true},
	{"count", "gt", []any{float64(100), float64(5)}, true},
	{"count", "gt", "abc", false},
	{"score", "gt", float64(7), true},
	{"score", "lt", 7.5, false},
	{"score", "lte", 7.5, true},
	{"score", "gte", 7.6, false},
	{"zero", "gte", float64(0), true},
	{"zero", "lt", float64(0), false},
	{"email", "gt", float64(1), false}, // not a number
	{"beta", "gt", float64(0), false},  // true is not a number
	{"blank", "lt", float64(1), false},
	{"missing", "gt", float64(0), false},
	{"nothing", "lt", float64(1), false},
	{"missing", "lte", float64(0), false},
	{"nothing", "gte", float64(0), false},
	// is_set / is_not_set: the value is ignored.
	{"email", "is_set", nil, true},
	{"zero", "is_set", nil, true},
	{"blank", "is_set", nil, true},
	{"beta", "is_set", nil, true},
	{"nothing", "is_set", nil, false},
	{"missing", "is_set", "x", false},
	{"email", "is_not_set", nil, false},
	{"blank", "is_not_set", nil, false},
	{"nothing", "is_not_set", nil, true},
	{"missing", "is_not_set", nil, true},
	// in / not_in on a property: exact / is_not.
	{"plan", "in", []any{"pro"}, true},
	{"plan", "in", []any{"free"}, false},
	{"plan", "not_in", []any{"pro"}, false},
	{"missing", "not_in", []any{"pro"}, true},
	// Operators the engine does not evaluate never match.
	{"email", "is_date_before", "2030-01-01", false},
	{"email", "bogus", "Alice@Example.com", false},
}

func TestPropertyOperators(t *testing.T) {
	t.Parallel()
	for _, c := range operatorCases {
		name := fmt.Sprintf("%s %s %v", c.key, c.op, c.value)
		t.Run(name, func(t *testing.T) {
			got := propertyTest{key: c.key, op: c.op, value: c.value}.matches(matchProps)
			if got != c.want {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestOperatorRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		rules       operatorRules
		raw         any
		wantOp      string
		wantProblem operatorProblem
	}{
		{"query person: required", queryPersonOperators, nil, "", operatorMissing},
		{"query person: known", queryPersonOperators, "icontains", "icontains", operatorOK},
		{"query person: unknown", queryPersonOperators, "bogus", "bogus", operatorUnknown},
		{"query person: empty string", queryPersonOperators, "", "", operatorUnknown},
		{"query person: not a string", queryPersonOperators, float64(5), "", operatorUnknown},
		{"query person: not evaluated", queryPersonOperators, "is_date_before", "is_date_before", operatorNotEvaluated},
		{"query event: default exact", queryEventOperators, nil, "exact", operatorOK},
		{"query event: unknown", queryEventOperators, "bogus", "bogus", operatorUnknown},
		{"legacy filter: default exact", legacyFilterOperators, nil, "exact", operatorOK},
		{"legacy filter: unknown", legacyFilterOperators, "bogus", "bogus", operatorUnknown},
		{"persons list: default exact", personsListOperators, nil, "exact", operatorOK},
		{"persons list: unknown is exact", personsListOperators, "bogus", "exact", operatorOK},
		{"persons list: not evaluated", personsListOperators, "between", "between", operatorNotEvaluated},
		{"cohort: required", cohortOperators, nil, "", operatorMissing},
		{"cohort: unknown kept", cohortOperators, "bogus", "bogus", operatorOK},
		{"cohort: not evaluated", cohortOperators, "semver_gt", "semver_gt", operatorNotEvaluated},
	} {
		t.Run(c.name, func(t *testing.T) {
			op, problem := c.rules.resolve(c.raw)
			if op != c.wantOp || problem != c.wantProblem {
				t.Fatalf("got (%q, %d), want (%q, %d)", op, problem, c.wantOp, c.wantProblem)
			}
		})
	}
}

// TestOperatorRulesPerEndpoint checks, through HTTP, that each endpoint applies
// its own rules for missing and unknown operators and the shared null rule.
func TestOperatorRulesPerEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{})
	setProps(e, "alice", map[string]any{"plan": "pro", "beta": true})
	setProps(e, "bob", map[string]any{"plan": nil})
	setProps(e, "carol", map[string]any{"email": "carol@x.io"})

	listed := func(filters string) int {
		t.Helper()
		b := e.mustJSON(e.get(P+"?properties="+url.QueryEscape(filters)), 200)
		return len(asT[[]any](t, b["results"]))
	}
	// Persons list: null is not set; no operator and an unknown one are exact.
	if n := listed(`[{"key": "plan", "operator": "is_set"}]`); n != 1 {
		t.Errorf("list is_set: %d persons, want 1 (bob's plan is null)", n)
	}
	if n := listed(`[{"key": "plan", "operator": "is_not_set"}]`); n != 2 {
		t.Errorf("list is_not_set: %d persons, want 2", n)
	}
	if n := listed(`[{"key": "plan", "value": "pro"}]`); n != 1 {
		t.Errorf("list without operator: %d persons, want 1", n)
	}
	if n := listed(`[{"key": "plan", "value": "pro", "operator": "bogus"}]`); n != 1 {
		t.Errorf("list with an unknown operator: %d persons, want 1", n)
	}
	if r := e.get(P + "?properties=" + url.QueryEscape(`[{"key": "plan", "value": "x", "operator": "is_date_before"}]`)); r.status != 501 {
		t.Errorf("list with an operator the emulator does not evaluate: %d %s, want 501", r.status, r.body)
	}

	// Query API: a person filter needs a valid operator.
	query := func(filter string) resp {
		return e.post(QP, jsonBody(t, `{"query": {"kind": "ActorsQuery", "select": ["id"], "properties": [`+filter+`]}}`))
	}
	wantParseError(t, query(`{"type": "person", "key": "plan", "value": "pro", "operator": "bogus"}`), "query.properties.0.operator")
	wantParseError(t, query(`{"type": "person", "key": "plan", "value": "pro"}`), "query.properties.0.operator\n  Field required")
	b := e.mustJSON(query(`{"type": "person", "key": "plan", "operator": "is_set"}`), 200)
	if n := len(asT[[]any](t, b["results"])); n != 1 {
		t.Errorf("query is_set: %d persons, want 1", n)
	}

	// Cohorts: an unknown operator is accepted and matches nobody; a boolean
	// property compares as the JSON text true.
	unknown := e.mustJSON(e.post(C, map[string]any{"name": "u", "filters": personFilters("OR", pf("plan", "bogus", "pro"))}), 201)
	if unknown["count"] != float64(0) {
		t.Errorf("cohort with an unknown operator: count %v, want 0", unknown["count"])
	}
	beta := e.mustJSON(e.post(C, map[string]any{"name": "b", "filters": personFilters("OR", pf("beta", "exact", "true"))}), 201)
	if beta["count"] != float64(1) {
		t.Errorf("cohort beta exact \"true\": count %v, want 1", beta["count"])
	}
}
