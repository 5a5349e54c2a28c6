package emulator

// Decoding and field validation of cohort create/update requests (JSON,
// multipart or urlencoded, like DRF's default parsers).

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// cohortBody is a decoded request: JSON, or multipart/urlencoded form data with an
// optional "csv" file (DRF's default parsers; JSONField form values are JSON strings).
type cohortBody struct {
	data map[string]any
	csv  []byte
}

func readCohortBody(r *http.Request) (cohortBody, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var form url.Values
	var b cohortBody
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return b, err
		}
		form = r.MultipartForm.Value
		if fhs := r.MultipartForm.File["csv"]; len(fhs) > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				return b, err
			}
			defer f.Close()
			if b.csv, err = io.ReadAll(f); err != nil {
				return b, err
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return b, err
		}
		form = r.PostForm
	default:
		v, err := readJSON(r)
		if err != nil {
			return b, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			// A JSON list body: DRF's serializer rejects non-dict data (UNVERIFIED code).
			return b, errNonDictBody
		}
		b.data = m
		return b, nil
	}
	b.data = map[string]any{}
	for k, vs := range form {
		if len(vs) == 0 {
			continue
		}
		var decoded any
		if (k == "filters" || k == "groups" || k == "query") && json.Unmarshal([]byte(vs[0]), &decoded) == nil {
			b.data[k] = decoded
		} else if k == "_create_static_person_ids" {
			b.data[k] = toAnySlice(vs)
		} else {
			b.data[k] = vs[0]
		}
	}
	return b, nil
}

// errNonDictBody carries DRF's exact non_field_errors detail for a non-dict body.
const errNonDictBody = detailError("Invalid data. Expected a dictionary, but got list.")

func toAnySlice(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// fieldErr is a DRF field validation error (attr = field name).
type fieldErr struct{ attr, code, detail string }

// parseBool is DRF BooleanField.to_internal_value.
func parseBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case float64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case string:
		switch strings.ToLower(x) {
		case "true", "t", "yes", "y", "on", "1":
			return true, true
		case "false", "f", "no", "n", "off", "0":
			return false, true
		}
	}
	return false, false
}

// cohortInput is the validated request data; nil pointers mean "not sent".
type cohortInput struct {
	name        **string
	description *string
	groups      any
	hasGroups   bool
	deleted     *bool
	filters     any
	hasFilters  bool
	query       any
	isStatic    *bool
	personIDs   []string
	hasPIDs     bool
}

// validateCohortInput runs the field validations in serializer field order and returns
// the first error (exceptions_hog reports the first one).
func validateCohortInput(d map[string]any) (cohortInput, *fieldErr) {
	var in cohortInput
	if v, ok := d["name"]; ok {
		var name *string
		switch x := v.(type) {
		case nil:
		case string, float64:
			s := toString(x)
			if len([]rune(s)) > 400 {
				return in, &fieldErr{"name", "max_length", "Ensure this field has no more than 400 characters."}
			}
			name = &s
		default:
			return in, &fieldErr{"name", "invalid_input", "Not a valid string."}
		}
		in.name = &name
	}
	if v, ok := d["description"]; ok {
		switch x := v.(type) {
		case nil:
			return in, &fieldErr{"description", "null", "This field may not be null."}
		case string, float64:
			s := toString(x)
			if len([]rune(s)) > 1000 {
				return in, &fieldErr{"description", "max_length", "Ensure this field has no more than 1000 characters."}
			}
			in.description = &s
		default:
			return in, &fieldErr{"description", "invalid_input", "Not a valid string."}
		}
	}
	if v, ok := d["groups"]; ok {
		in.groups, in.hasGroups = v, true
	}
	if v, ok := d["deleted"]; ok {
		b, ok := parseBool(v)
		if !ok {
			return in, &fieldErr{"deleted", "invalid_input", "Must be a valid boolean."}
		}
		in.deleted = &b
	}
	if v, ok := d["filters"]; ok {
		in.hasFilters = true
		in.filters = v
	}
	if v, ok := d["query"]; ok && v != nil {
		if _, isMap := v.(map[string]any); !isMap {
			return in, &fieldErr{"query", "invalid_input", "Query must be a dictionary."}
		}
		in.query = v
	}
	if v, ok := d["is_static"]; ok {
		b, ok := parseBool(v)
		if !ok {
			return in, &fieldErr{"is_static", "invalid_input", "Must be a valid boolean."}
		}
		in.isStatic = &b
	}
	if v, ok := d["_create_static_person_ids"]; ok {
		list, isList := v.([]any)
		if !isList {
			return in, &fieldErr{"_create_static_person_ids", "not_a_list", `Expected a list of items but got type "` + pyType(v) + `".`}
		}
		in.hasPIDs = true
		for _, x := range list {
			s, ok := x.(string)
			if !ok {
				return in, &fieldErr{"_create_static_person_ids", "invalid_input", "Not a valid string."}
			}
			in.personIDs = append(in.personIDs, s)
		}
	}
	return in, nil
}

func pyType(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case float64:
		return "int"
	case bool:
		return "bool"
	case map[string]any:
		return "dict"
	case nil:
		return "NoneType"
	}
	return "object"
}

// checkFilters validates filters for a cohort that will be dynamic. Static cohorts skip
// validation unless their filters carry criteria (newer CohortSerializer.validate_filters).
func checkFilters(raw any, static bool) (*condNode, *fieldErr) {
	if raw == nil {
		return nil, nil
	}
	tree, ferr := parseCohortFilters(raw)
	if ferr != nil {
		if static {
			return nil, nil
		}
		return nil, &fieldErr{ferr.attr, "invalid_input", ferr.detail}
	}
	return tree, nil
}

func writeFieldErr(w http.ResponseWriter, fe *fieldErr) {
	writeAttrError(w, fe.code, fe.detail, fe.attr)
}

// decodeCohortRequest reads and validates a create or update body. When the body
// is refused it writes the error answer and returns ok false.
func decodeCohortRequest(w http.ResponseWriter, r *http.Request) (body cohortBody, in cohortInput, ok bool) {
	body, err := readCohortBody(r)
	if err != nil {
		if errors.Is(err, errNonDictBody) {
			writeAttrError(w, "invalid", err.Error(), "non_field_errors")
			return body, in, false
		}
		errParse(w, err)
		return body, in, false
	}
	in, fe := validateCohortInput(body.data)
	if fe != nil {
		writeFieldErr(w, fe)
		return body, in, false
	}
	return body, in, true
}
