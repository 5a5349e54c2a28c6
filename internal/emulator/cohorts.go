package emulator

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Cohorts, after PostHog/posthog posthog/api/cohort.py (CohortViewSet,
// CohortSerializer; read at commit 18f8a88b and a newer products/cohorts version)
// and posthog/models/cohort/cohort.py. CohortViewSet has scope_object "cohort":
// list/retrieve need cohort:read, create/update need cohort:write (§2.1 rules);
// DELETE is ForbidDestroyModel's bare 405 (posthog/api/forbid_destroy_model.py):
// deletion is PATCH {"deleted": true}.

// cohort is the emulator's posthog_cohort row. Guarded by Server.mu.
type cohort struct {
	id              int
	name            *string // the model's name is null=True, blank=True
	description     string
	groups          any // legacy groups, as sent (default [])
	filters         any // as sent; nil = none
	query           any
	tree            *condNode // parsed filters (or legacy groups) for dynamic membership
	isStatic        bool
	deleted         bool
	createdAt       time.Time
	lastCalculation *time.Time
	members         map[string]bool // static cohorts: person uuids
}

// cohortBatchLimit is DEFAULT_COHORT_INSERT_BATCH_SIZE (posthog/models/cohort/cohort.py).
const cohortBatchLimit = 1000

var (
	cohortRead  = []string{"cohort:read"}
	cohortWrite = []string{"cohort:write"}
)

// cohortHas reports membership: a static cohort by stored uuid, a dynamic one by
// evaluating its filters against the person's current properties.
func (st *store) cohortHas(ctx matchCtx, c *cohort, p *person) bool {
	if c.isStatic {
		return c.members[p.uuid]
	}
	return c.tree.match(ctx, p)
}

// cohortCount is the current size: static members that still exist, or matching persons.
func (st *store) cohortCount(c *cohort) int {
	n := 0
	if c.isStatic {
		for u := range c.members {
			if st.persons[u] != nil {
				n++
			}
		}
		return n
	}
	for _, p := range st.persons {
		if c.tree.match(matchCtx{st: st}, p) {
			n++
		}
	}
	return n
}

// moveStaticMembership follows a person merge: static cohort rows of the merged-away
// person move to the surviving one (as the plugin-server merge re-points cohort
// people; UNVERIFIED for the ClickHouse static-cohort table).
func (st *store) moveStaticMembership(from, to string) {
	for _, c := range st.cohorts {
		if c.members[from] {
			delete(c.members, from)
			c.members[to] = true
		}
	}
}

// emulatorUser is the created_by of every cohort (UserBasicSerializer fields; UNVERIFIED).
var emulatorUser = map[string]any{
	"id": 1, "uuid": "0190a6f3-0000-7000-8000-000000000001", "distinct_id": "emulator-user",
	"first_name": "Emulator", "last_name": "", "email": "emulator@posthog.local",
	"is_email_verified": true, "hedgehog_config": nil, "role_at_organization": nil,
}

// cohortJSON is CohortSerializer's representation (fields of commit 18f8a88b). The
// emulator calculates instantly, so is_calculating is always false.
func (st *store) cohortJSON(c *cohort) map[string]any {
	filters := c.filters
	if filters == nil {
		// to_representation: filters or {"properties": cohort.properties.to_dict()}.
		groups, _ := c.groups.([]any)
		_, filters = legacyGroups(groups)
	}
	var name any
	if c.name != nil {
		name = *c.name
	}
	return map[string]any{
		"id": c.id, "name": name, "description": c.description, "groups": c.groups,
		"deleted": c.deleted, "filters": filters, "query": c.query, "is_calculating": false,
		"created_by": emulatorUser, "created_at": isoTime(c.createdAt),
		"last_calculation": isoTimePtr(c.lastCalculation), "errors_calculating": 0,
		"count": st.cohortCount(c), "is_static": c.isStatic, "cohort_type": nil,
		"experiment_set": []any{},
	}
}

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

// resolvePersonUUIDs keeps the uuids of existing persons (validate_person_uuids_exist);
// strings that are not uuids are skipped (the ORM path would fail on them: UNVERIFIED).
func (st *store) resolvePersonUUIDs(ids []string) []string {
	var out []string
	for _, s := range ids {
		u, err := uuid.Parse(s)
		if err != nil {
			continue
		}
		if p := st.persons[u.String()]; p != nil {
			out = append(out, p.uuid)
		}
	}
	return out
}

// csv error messages: CSVConfig.ErrorMessages in posthog/api/cohort.py.
const (
	csvEmpty      = "CSV file is empty. Please upload a CSV file with at least one row of data."
	csvNoValidIDs = "CSV file contains no valid person IDs, distinct IDs, or email addresses. Please ensure your file has data rows with person IDs, distinct IDs, or email addresses."
	csvFormat     = "CSV file format is invalid. Please check your file format and try again."
	csvMissingCol = "Multi-column CSV must contain at least one column with a supported ID header: 'person_id', 'Person .id' (PostHog export format), 'distinct_id', 'distinct-id', or 'email'. Found columns: "
)

// csvPersons implements _calculate_static_by_csv + calculate_cohort_from_list: a single
// column is distinct ids unless headed person_id/email; multi-column files pick the id
// column by header (person_id > distinct_id > email). Unknown ids are ignored.
// PostHog runs the insert in Celery; the emulator does it within the request.
func (st *store) csvPersons(raw []byte) ([]string, *fieldErr) {
	rd := csv.NewReader(strings.NewReader(string(raw)))
	rd.FieldsPerRecord = -1
	rows, err := rd.ReadAll()
	if err != nil {
		return nil, &fieldErr{"csv", "invalid_input", csvFormat}
	}
	for len(rows) > 0 && (len(rows[0]) == 0 || (len(rows[0]) == 1 && rows[0][0] == "")) {
		rows = rows[1:]
	}
	if len(rows) == 0 {
		return nil, &fieldErr{"csv", "invalid_input", csvEmpty}
	}
	first := rows[0]
	nonEmpty := []string{}
	for _, c := range first {
		if strings.TrimSpace(c) != "" {
			nonEmpty = append(nonEmpty, strings.TrimSpace(c))
		}
	}
	isIn := func(h string, set ...string) bool {
		for _, x := range set {
			if strings.EqualFold(strings.TrimSpace(h), x) {
				return true
			}
		}
		return false
	}
	personHdr := []string{"person_id", "person-id", "Person .id"}
	distinctHdr := []string{"distinct_id", "distinct-id"}
	emailHdr := []string{"email", "e-mail"}
	col, idType, body := 0, "distinct_id", rows
	if len(nonEmpty) <= 1 {
		switch {
		case isIn(first[0], personHdr...):
			idType, body = "person_id", rows[1:]
		case isIn(first[0], emailHdr...):
			idType, body = "email", rows[1:]
		}
	} else {
		col = -1
		for _, try := range []struct {
			typ string
			hdr []string
		}{{"person_id", personHdr}, {"distinct_id", distinctHdr}, {"email", emailHdr}} {
			for i, h := range first {
				if isIn(h, try.hdr...) {
					col, idType = i, try.typ
					break
				}
			}
			if col >= 0 {
				break
			}
		}
		if col < 0 {
			cols := "none"
			if len(nonEmpty) > 0 {
				cols = strings.Join(nonEmpty, ", ")
			}
			return nil, &fieldErr{"csv", "invalid_input", csvMissingCol + cols}
		}
		body = rows[1:]
	}
	var ids []string
	for _, row := range body {
		if len(row) > col {
			if v := strings.TrimSpace(row[col]); v != "" {
				ids = append(ids, v)
			}
		}
	}
	if len(ids) == 0 {
		return nil, &fieldErr{"csv", "invalid_input", csvNoValidIDs}
	}
	var out []string
	for _, id := range ids {
		switch idType {
		case "person_id":
			out = append(out, st.resolvePersonUUIDs([]string{id})...)
		case "distinct_id":
			if p := st.byDistinctID[id]; p != nil {
				out = append(out, p.uuid)
			}
		case "email":
			for _, p := range st.persons {
				if e, ok := p.props["email"].(string); ok && e == id {
					out = append(out, p.uuid)
				}
			}
		}
	}
	return out, nil
}

func writeFieldErr(w http.ResponseWriter, fe *fieldErr) {
	writeAttrError(w, fe.code, fe.detail, fe.attr)
}

const invalidStaticSource = "Invalid source for static cohort. Requires criteria, a csv, feature flag, existing cohort or query."

// handleCohortCollection: GET list (cohort:read), POST create (cohort:write).
func (s *Server) handleCohortCollection(w http.ResponseWriter, r *http.Request) {
	scopes := cohortRead
	if r.Method == http.MethodPost {
		scopes = cohortWrite
	}
	if !s.check(w, r, guard{scopes: scopes, methods: []string{"GET", "HEAD", "POST"}}) {
		return
	}
	if r.Method == http.MethodPost {
		s.createCohort(w, r)
		return
	}
	s.listCohorts(w, r)
}

func (s *Server) createCohort(w http.ResponseWriter, r *http.Request) {
	body, err := readCohortBody(r)
	if err != nil {
		if errors.Is(err, errNonDictBody) {
			writeAttrError(w, "invalid", err.Error(), "non_field_errors")
			return
		}
		errParse(w, err)
		return
	}
	in, fe := validateCohortInput(body.data)
	if fe != nil {
		writeFieldErr(w, fe)
		return
	}
	static := in.isStatic != nil && *in.isStatic
	tree, fe := checkFilters(in.filters, static)
	if fe != nil {
		writeFieldErr(w, fe)
		return
	}
	if in.query != nil && tree.hasValues() {
		errValidation(w, "Cannot set both query and filters at the same time.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &cohort{description: "", groups: []any{}, createdAt: s.now(), isStatic: static, members: map[string]bool{}, query: in.query}
	if in.name != nil {
		c.name = *in.name
	}
	if in.description != nil {
		c.description = *in.description
	}
	if in.hasGroups {
		c.groups = in.groups
	}
	if in.deleted != nil {
		c.deleted = *in.deleted
	}
	c.filters = in.filters
	c.tree = s.st.membershipTree(c, tree)
	if static {
		// _handle_static: csv and/or _create_static_person_ids, else filters with
		// criteria (a one-off snapshot), else query (not evaluated here), else an
		// explicitly empty person list; otherwise the source is invalid.
		switch {
		case body.csv != nil || len(in.personIDs) > 0:
			for _, u := range s.st.resolvePersonUUIDs(in.personIDs) {
				c.members[u] = true
			}
			if body.csv != nil {
				uuids, fe := s.st.csvPersons(body.csv)
				if fe != nil {
					// PostHog has already saved the cohort at this point; the emulator
					// does not keep it (UNVERIFIED whether the request is atomic).
					writeFieldErr(w, fe)
					return
				}
				for _, u := range uuids {
					c.members[u] = true
				}
			}
		case tree.hasValues():
			for _, p := range s.st.persons {
				if tree.match(matchCtx{st: s.st}, p) {
					c.members[p.uuid] = true
				}
			}
		case in.query != nil, in.hasPIDs:
		default:
			errValidation(w, invalidStaticSource)
			return
		}
	} else if in.query != nil {
		errValidation(w, "Cannot create a dynamic cohort with a query. Set is_static to true.")
		return
	}
	now := s.now()
	c.lastCalculation = &now
	c.id = s.st.nextCohortID
	s.st.nextCohortID++
	s.st.cohorts[c.id] = c
	writeJSON(w, http.StatusCreated, s.st.cohortJSON(c))
}

// membershipTree picks what dynamic membership evaluates: filters when set, else the
// legacy groups (Cohort.properties).
func (st *store) membershipTree(c *cohort, parsed *condNode) *condNode {
	if parsed != nil {
		return parsed
	}
	if c.filters != nil {
		if t, ferr := parseCohortFilters(c.filters); ferr == nil {
			return t
		}
		return nil
	}
	groups, _ := c.groups.([]any)
	t, _ := legacyGroups(groups)
	return t
}

// listCohorts: non-deleted cohorts, -created_at, ?type=static|dynamic, ?search= (name
// icontains), DRF LimitOffsetPagination {count,next,previous,results}. PAGE_SIZE 100
// is from memory of posthog/settings (UNVERIFIED).
func (s *Server) listCohorts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = n
	}
	offset := 0
	if n, err := strconv.Atoi(q.Get("offset")); err == nil && n > 0 {
		offset = n
	}
	s.mu.Lock()
	var all []*cohort
	for _, c := range s.st.cohorts {
		if c.deleted {
			continue
		}
		switch q.Get("type") {
		case "static":
			if !c.isStatic {
				continue
			}
		case "dynamic":
			if c.isStatic {
				continue
			}
		}
		if search := q.Get("search"); search != "" && (c.name == nil || !strings.Contains(strings.ToLower(*c.name), strings.ToLower(search))) {
			continue
		}
		all = append(all, c)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].createdAt.Equal(all[j].createdAt) {
			return all[i].createdAt.After(all[j].createdAt)
		}
		return all[i].id > all[j].id
	})
	results := []any{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		results = append(results, s.st.cohortJSON(all[i]))
	}
	s.mu.Unlock()
	body := map[string]any{"count": len(all), "next": nil, "previous": nil, "results": results}
	if offset+limit < len(all) {
		body["next"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit), "offset": strconv.Itoa(offset + limit)})
	}
	if offset > 0 {
		if offset-limit <= 0 {
			body["previous"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit)}, "offset")
		} else {
			body["previous"] = withParams(r, map[string]string{"limit": strconv.Itoa(limit), "offset": strconv.Itoa(offset - limit)})
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// lookupCohort parses {cohort_id}; a non-integer or unknown id is 404 (get_object_or_404).
// s.mu must be held.
func (s *Server) lookupCohort(r *http.Request) *cohort {
	id, err := strconv.Atoi(r.PathValue("cohort_id"))
	if err != nil {
		return nil
	}
	return s.st.cohorts[id]
}

// handleCohortDetail: GET retrieve (deleted cohorts too), PATCH/PUT update, DELETE 405.
func (s *Server) handleCohortDetail(w http.ResponseWriter, r *http.Request) {
	scopes := cohortWrite
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		scopes = cohortRead
	}
	if !s.check(w, r, guard{scopes: scopes, methods: []string{"GET", "HEAD", "PATCH", "PUT", "DELETE"}}) {
		return
	}
	if r.Method == http.MethodDelete {
		// ForbidDestroyModel.destroy: Response(status=405), no body.
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		s.mu.Lock()
		c := s.lookupCohort(r)
		var body map[string]any
		if c != nil {
			body = s.st.cohortJSON(c)
		}
		s.mu.Unlock()
		if c == nil {
			errNotFound(w)
			return
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	s.updateCohort(w, r)
}

// updateCohort is CohortSerializer.update: name/description/groups/is_static/filters/
// query replace when sent; deleted toggles the soft delete; a csv adds static members.
func (s *Server) updateCohort(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	exists := s.lookupCohort(r) != nil
	s.mu.Unlock()
	if !exists {
		errNotFound(w) // get_object runs before the body is validated
		return
	}
	body, err := readCohortBody(r)
	if err != nil {
		if errors.Is(err, errNonDictBody) {
			writeAttrError(w, "invalid", err.Error(), "non_field_errors")
			return
		}
		errParse(w, err)
		return
	}
	in, fe := validateCohortInput(body.data)
	if fe != nil {
		writeFieldErr(w, fe)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCohort(r)
	if c == nil {
		errNotFound(w)
		return
	}
	static := c.isStatic
	if in.isStatic != nil && *in.isStatic {
		static = true // validate_filters skips when initial is_static or instance.is_static
	}
	tree, fe := checkFilters(in.filters, static)
	if fe != nil {
		writeFieldErr(w, fe)
		return
	}
	var csvUUIDs []string
	deleting := in.deleted != nil && *in.deleted
	newStatic := c.isStatic
	if in.isStatic != nil {
		newStatic = *in.isStatic
	}
	if body.csv != nil && newStatic && !deleting {
		if csvUUIDs, fe = s.st.csvPersons(body.csv); fe != nil {
			writeFieldErr(w, fe)
			return
		}
	}
	// will_create_loops: a dynamic cohort may not reach itself through cohort filters.
	if in.hasFilters && tree != nil && !newStatic {
		if msg := s.st.cohortLoop(c.id, tree); msg != "" {
			errValidation(w, msg)
			return
		}
	}
	if in.name != nil {
		c.name = *in.name
	}
	if in.description != nil {
		c.description = *in.description
	}
	if in.hasGroups {
		c.groups = in.groups
	}
	c.isStatic = newStatic
	if in.hasFilters {
		c.filters = in.filters
	}
	if in.query != nil {
		c.query = in.query
	}
	c.tree = s.st.membershipTree(c, tree)
	if c.members == nil {
		c.members = map[string]bool{}
	}
	for _, u := range csvUUIDs {
		c.members[u] = true
	}
	if in.deleted != nil && *in.deleted != c.deleted {
		c.deleted = *in.deleted
	} else if !c.isStatic {
		now := s.now()
		c.lastCalculation = &now // recalculated on every non-deletion update
	}
	writeJSON(w, http.StatusOK, s.st.cohortJSON(c))
}

// cohortLoop reports "Cohorts cannot reference other cohorts in a loop." or
// "Invalid Cohort ID in filter" for a tree about to be saved on cohort id.
func (st *store) cohortLoop(id int, tree *condNode) string {
	onPath := map[int]bool{id: true}
	var visit func(n *condNode) string
	visit = func(n *condNode) string {
		if n == nil {
			return ""
		}
		for _, ch := range n.children {
			if m := visit(ch); m != "" {
				return m
			}
		}
		if n.kind != "cohort" {
			return ""
		}
		ref, _ := n.value.(int)
		if onPath[ref] {
			return "Cohorts cannot reference other cohorts in a loop."
		}
		target := st.cohorts[ref]
		if target == nil {
			return "Invalid Cohort ID in filter"
		}
		onPath[ref] = true
		defer delete(onPath, ref)
		return visit(target.tree)
	}
	return visit(tree)
}

// handleAddPersonsToStaticCohort: PATCH .../cohorts/:id/add_persons_to_static_cohort/
// {"person_ids": [uuid, ...]} (cohort:write), answering 200 {"success": true}.
func (s *Server) handleAddPersonsToStaticCohort(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: cohortWrite, methods: []string{"PATCH"}}) {
		return
	}
	s.mu.Lock()
	exists := s.lookupCohort(r) != nil
	s.mu.Unlock()
	if !exists {
		errNotFound(w)
		return
	}
	raw, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCohort(r)
	if c == nil {
		errNotFound(w)
		return
	}
	if !c.isStatic {
		errValidation(w, "Can only add users to static cohorts")
		return
	}
	obj, _ := raw.(map[string]any)
	list, ok := obj["person_ids"].([]any)
	switch {
	case !ok:
		errValidation(w, "person_ids must be a list")
		return
	case len(list) == 0:
		errValidation(w, "person_ids cannot be empty")
		return
	case len(list) > cohortBatchLimit:
		errValidation(w, "List size exceeds limit")
		return
	}
	ids := make([]string, 0, len(list))
	for _, v := range list {
		if str, ok := v.(string); ok {
			ids = append(ids, str)
		}
	}
	uuids := s.st.resolvePersonUUIDs(ids)
	if len(uuids) == 0 {
		errValidation(w, "No valid users to add to cohort")
		return
	}
	for _, u := range uuids {
		c.members[u] = true
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}

// handleRemovePersonFromStaticCohort: PATCH .../remove_person_from_static_cohort/
// {"person_id": uuid} (cohort:write).
func (s *Server) handleRemovePersonFromStaticCohort(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: cohortWrite, methods: []string{"PATCH"}}) {
		return
	}
	raw, err := readJSON(r)
	if err != nil {
		errParse(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupCohort(r)
	if c == nil {
		errNotFound(w)
		return
	}
	if !c.isStatic {
		errValidation(w, "Can only remove users from static cohorts")
		return
	}
	obj, _ := raw.(map[string]any)
	v := obj["person_id"]
	if !truthy(v) {
		errValidation(w, "person_id is required")
		return
	}
	str, ok := v.(string)
	if !ok {
		errValidation(w, "person_id must be a string")
		return
	}
	u, err := uuid.Parse(str)
	if err != nil {
		errValidation(w, "person_id must be a valid UUID")
		return
	}
	if s.st.persons[u.String()] == nil {
		writeError(w, http.StatusNotFound, "invalid_request", "not_found", "Person with this UUID does not exist in the cohort's team")
		return
	}
	if !c.members[u.String()] {
		writeError(w, http.StatusNotFound, "invalid_request", "not_found", "Person is not part of the cohort")
		return
	}
	delete(c.members, u.String())
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}

// handleCohorts is the persons cohorts action (§4.8): person:read AND cohort:read;
// 200 {"results": [{id, name, count}]} for the person's non-deleted cohorts, static
// and dynamic. Order is by id (the view's queryset has no order_by; UNVERIFIED).
func (s *Server) handleCohorts(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, guard{scopes: cohortScopes, methods: []string{"GET", "HEAD"}}) {
		return
	}
	if key := s.keyFor(r); key != nil && key.NoCurrentTeam {
		// The action reads request.user.team before anything else and hand-builds
		// this body when it is missing (§2.2, §4.8).
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"message": "Could not retrieve team",
			"detail":  "Could not validate team associated with user",
		})
		return
	}
	vals, ok := r.URL.Query()["person_id"]
	if !ok {
		// request.GET["person_id"] raises KeyError → unhandled → 500 (UNVERIFIED, §4.8).
		errServer(w)
		return
	}
	kind, id, u := parsePersonRef(vals[0])
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lookupRef(kind, id, u)
	if p == nil {
		errNotFound(w)
		return
	}
	ids := make([]int, 0, len(s.st.cohorts))
	for cid := range s.st.cohorts {
		ids = append(ids, cid)
	}
	sort.Ints(ids)
	results := []any{}
	for _, cid := range ids {
		c := s.st.cohorts[cid]
		if c.deleted || !s.st.cohortHas(matchCtx{st: s.st}, c, p) {
			continue
		}
		var name any
		if c.name != nil {
			name = *c.name
		}
		// CohortMinimalSerializer: exactly {id, name, count}.
		results = append(results, map[string]any{"id": c.id, "name": name, "count": s.st.cohortCount(c)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

// keyFor returns the API key a request authenticated with (after s.check succeeded).
func (s *Server) keyFor(r *http.Request) *APIKey {
	token := ""
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = strings.TrimSpace(v)
	}
	if token == "" {
		token = r.URL.Query().Get("personal_api_key")
	}
	for i := range s.cfg.APIKeys {
		if s.cfg.APIKeys[i].Key == token {
			return &s.cfg.APIKeys[i]
		}
	}
	return nil
}

// CohortFilter is one person-property condition for CreateCohort. Operator is
// "exact" (Value a string or a []any of alternatives), "icontains", "is_set", or any
// other operator the emulator evaluates (is_not, not_icontains, is_not_set).
type CohortFilter struct {
	Key      string
	Operator string
	Value    any
	Negation bool
}

// CreateCohort adds a cohort directly, for tests, and returns its id. A static cohort
// gets the existing persons among personUUIDs; a dynamic one ANDs filters (stored in
// the {"properties": {"type": "AND", "values": [...]}} shape the API returns).
func (s *Server) CreateCohort(name string, static bool, personUUIDs []string, filters []CohortFilter) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &cohort{name: &name, groups: []any{}, isStatic: static, createdAt: s.now(), members: map[string]bool{}}
	now := s.now()
	c.lastCalculation = &now
	if static {
		for _, u := range s.st.resolvePersonUUIDs(personUUIDs) {
			c.members[u] = true
		}
	} else {
		values := []any{}
		for _, f := range filters {
			v := f.Value
			if list, ok := v.([]string); ok {
				v = toAnySlice(list)
			}
			values = append(values, map[string]any{"key": f.Key, "type": "person", "operator": f.Operator, "value": v, "negation": f.Negation})
		}
		c.filters = map[string]any{"properties": map[string]any{"type": "AND", "values": values}}
		c.tree, _ = parseCohortFilters(c.filters)
	}
	c.id = s.st.nextCohortID
	s.st.nextCohortID++
	s.st.cohorts[c.id] = c
	return c.id
}

// SetCohortDeleted soft-deletes (or restores) a cohort, like PATCH {"deleted": ...}.
func (s *Server) SetCohortDeleted(id int, deleted bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.cohorts[id]
	if c != nil {
		c.deleted = deleted
	}
	return c != nil
}

// CohortCount returns a cohort's current count (see cohortCount).
func (s *Server) CohortCount(id int) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.cohorts[id]
	if c == nil {
		return 0, false
	}
	return s.st.cohortCount(c), true
}
