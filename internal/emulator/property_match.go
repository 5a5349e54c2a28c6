package emulator

// The one property-matching engine. Every endpoint that filters on person or
// event properties uses it: the persons list (?properties=), cohort filters,
// the Query API and the legacy actor endpoints. The endpoints differ only in
// their operatorRules (what a missing or unknown operator means); each
// operator means the same everywhere, what HogQL's property filters
// (posthog/hogql/property.py) make of it. docs/dev/posthog-behaviour.md does
// not describe those semantics yet, so the rules below are UNVERIFIED there:
//
//   - A property that is absent or stored as JSON null is not set: HogQL reads
//     both as NULL. exact, icontains, regex and the numeric comparisons never
//     hold on it; is_not, not_icontains and not_regex always do. (Should the
//     persons list still run on the legacy filter SQL, whose is_set tests that
//     the key exists, a null there would count as set: UNVERIFIED, so every
//     endpoint uses the HogQL rule.)
//   - Values compare as text, the way properties are stored: a string as is, a
//     number in its shortest decimal form (5 and "5" are equal, 5 and "5.0"
//     are not), a boolean as true or false.
//   - gt, gte, lt and lte compare numbers: both sides must read as numbers,
//     otherwise the condition does not hold ("10" > 9, "abc" > 1 is false).
//   - A list value means "any of" for the positive operators and "none of"
//     for the negated ones (exact [a, b] is IN, is_not [a, b] is NOT IN).
//   - regex and not_regex use RE2 syntax, like ClickHouse's match(); an
//     invalid pattern never matches (so not_regex with one always does).
//   - in and not_in, which PostHog defines for cohort filters, act as exact
//     and is_not on a property.

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// propertyOperators is PostHog's PropertyOperator enum (posthog/schema.py), the
// values the Query API's models accept (docs/dev/posthog-behaviour.md#query-api).
var propertyOperators = []string{"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte",
	"lt", "lte", "is_set", "is_not_set", "is_date_exact", "is_date_before", "is_date_after", "between",
	"not_between", "min", "max", "in", "not_in", "is_cleaned_path_exact", "flag_evaluates_to",
	"semver_eq", "semver_neq", "semver_gt", "semver_gte", "semver_lt", "semver_lte", "semver_tilde",
	"semver_caret", "semver_wildcard", "icontains_multi", "not_icontains_multi"}

// evaluatedOperators are the operators propertyTest.matches evaluates; the
// rest of propertyOperators are PostHog features the emulator does not model.
var evaluatedOperators = []string{"exact", "is_not", "icontains", "not_icontains", "regex", "not_regex", "gt", "gte",
	"lt", "lte", "is_set", "is_not_set", "in", "not_in"}

// unknownOperator is what an endpoint does with an operator that is not in
// propertyOperators.
type unknownOperator int

const (
	// rejectUnknown: schema validation refuses it (the caller answers 400).
	rejectUnknown unknownOperator = iota
	// unknownIsExact: the operator is evaluated as exact, the legacy insight
	// Filter's default (UNVERIFIED for operators it does not know).
	unknownIsExact
	// unknownMatchesNobody: the condition is kept and never holds.
	unknownMatchesNobody
)

// operatorRules are one endpoint's rules for a filter's "operator" key.
type operatorRules struct {
	missing string // the operator of a filter without one; "" = it is required
	unknown unknownOperator
}

// The rules of each endpoint.
var (
	// Query API person filters: PersonPropertyFilter requires operator and
	// pydantic rejects values outside the enum with a 400
	// (docs/dev/posthog-behaviour.md#query-api).
	queryPersonOperators = operatorRules{unknown: rejectUnknown}
	// Query API event filters: EventPropertyFilter's operator defaults to exact.
	queryEventOperators = operatorRules{missing: "exact", unknown: rejectUnknown}
	// Legacy actor endpoints: their legacy filter defaults to exact, and the
	// later versions convert it to Query API nodes, which reject unknown
	// operators (docs/dev/posthog-behaviour.md#legacy-actor-endpoints).
	legacyFilterOperators = operatorRules{missing: "exact", unknown: rejectUnknown}
	// Persons list ?properties=: legacy filters without an operator are exact
	// (docs/dev/posthog-behaviour.md#listing-persons); that an unknown one is
	// exact too is UNVERIFIED (the legacy filter does not validate operators).
	personsListOperators = operatorRules{missing: "exact", unknown: unknownIsExact}
	// Cohort filters: the serializer requires operator (PersonFilter's missing
	// keys check) but does not validate its value; a condition the emulator
	// cannot evaluate matches nobody, UNVERIFIED
	// (docs/dev/posthog-behaviour.md#cohorts).
	cohortOperators = operatorRules{unknown: unknownMatchesNobody}
)

// operatorProblem is why operatorRules.resolve did not accept an operator.
type operatorProblem int

const (
	operatorOK operatorProblem = iota
	operatorMissing
	operatorUnknown
	// operatorNotEvaluated: a PostHog operator the emulator does not evaluate.
	operatorNotEvaluated
)

// resolve turns a filter's raw "operator" value (nil when absent) into the
// operator to evaluate.
func (r operatorRules) resolve(raw any) (string, operatorProblem) {
	if raw == nil {
		if r.missing == "" {
			return "", operatorMissing
		}
		return r.missing, operatorOK
	}
	op, _ := raw.(string)
	if !slices.Contains(propertyOperators, op) {
		switch r.unknown {
		case unknownIsExact:
			return "exact", operatorOK
		case unknownMatchesNobody:
			return op, operatorOK
		}
		return op, operatorUnknown
	}
	if !slices.Contains(evaluatedOperators, op) {
		return op, operatorNotEvaluated
	}
	return op, operatorOK
}

// propertyTest is one condition: the property key, the operator, the value.
type propertyTest struct {
	key   string
	op    string
	value any
}

// matches evaluates the condition against a person's or an event's properties.
// An operator outside evaluatedOperators never matches.
func (t propertyTest) matches(props map[string]any) bool {
	have, present := props[t.key]
	set := present && have != nil
	switch t.op {
	case "is_set":
		return set
	case "is_not_set":
		return !set
	case "exact", "in":
		return set && t.anyValue(have, textEqual)
	case "is_not", "not_in":
		return !set || !t.anyValue(have, textEqual)
	case "icontains":
		return set && t.anyValue(have, containsFold)
	case "not_icontains":
		return !set || !t.anyValue(have, containsFold)
	case "regex":
		return set && t.anyValue(have, regexMatch)
	case "not_regex":
		return !set || !t.anyValue(have, regexMatch)
	case "gt":
		return set && t.anyValue(have, numeric(func(a, b float64) bool { return a > b }))
	case "gte":
		return set && t.anyValue(have, numeric(func(a, b float64) bool { return a >= b }))
	case "lt":
		return set && t.anyValue(have, numeric(func(a, b float64) bool { return a < b }))
	case "lte":
		return set && t.anyValue(have, numeric(func(a, b float64) bool { return a <= b }))
	}
	return false
}

// anyValue reports whether pred holds for the property and one of the wanted
// values (the value itself, or each element of a list; null elements never hold).
func (t propertyTest) anyValue(have any, pred func(have, want string) bool) bool {
	wants := []any{t.value}
	if list, ok := t.value.([]any); ok {
		wants = list
	}
	for _, w := range wants {
		if w != nil && pred(pstr(have), pstr(w)) {
			return true
		}
	}
	return false
}

func textEqual(have, want string) bool { return have == want }

func containsFold(have, want string) bool {
	return strings.Contains(strings.ToLower(have), strings.ToLower(want))
}

func regexMatch(have, pattern string) bool {
	re, err := regexp.Compile(pattern)
	return err == nil && re.MatchString(have)
}

// numeric compares both sides as numbers; text that is not a number fails.
func numeric(cmp func(have, want float64) bool) func(string, string) bool {
	return func(have, want string) bool {
		a, errA := strconv.ParseFloat(have, 64)
		b, errB := strconv.ParseFloat(want, 64)
		return errA == nil && errB == nil && cmp(a, b)
	}
}

// pstr renders a JSON value as the text a stored property reads as.
func pstr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
