package provider

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// The bulk (file) form of posthog_person_deletion: the ids come from a file
// with one id per line, read by the provider, and plan and state carry only
// counts and digests. Terraform handles a list of 10,000 strings in seconds
// and a list of 100,000 in minutes, with hundreds of MB in the plugin; a path
// costs nothing.

const (
	attrDistinctIDsFile = "distinct_ids_file"
	attrUUIDsFile       = "uuids_file"
	// maxReportedLines bounds how many line numbers one diagnostic names.
	maxReportedLines = 10
)

// idFileProblems are the findings of reading an id file, as messages that
// name line numbers (1-based).
type idFileProblems struct {
	errors   []string
	warnings []string
}

// lineList collects line numbers for one kind of finding, keeping the total.
type lineList struct {
	lines []string
	total int
}

func (l *lineList) add(s string) {
	l.total++
	if len(l.lines) < maxReportedLines {
		l.lines = append(l.lines, s)
	}
}

func (l *lineList) String() string {
	out := strings.Join(l.lines, ", ")
	if l.total > len(l.lines) {
		out += fmt.Sprintf(" and %d more", l.total-len(l.lines))
	}
	return out
}

// readIDFile reads one id per line. Empty lines (and so a trailing newline)
// are skipped and a trailing "\r" is dropped; whitespace-only lines,
// duplicates and, for UUIDs, anything but the canonical 36-character form
// are errors that name their line numbers. UUIDs are compared
// case-insensitively, as PostHog does.
func readIDFile(path string, byUUID bool) ([]string, idFileProblems) {
	var problems idFileProblems
	data, err := os.ReadFile(path)
	if err != nil {
		problems.errors = append(problems.errors, fmt.Sprintf("Cannot read the id file: %v. Paths are relative to the "+
			"directory Terraform runs in; use \"${path.module}/<file>\" for a file next to the configuration.", err))
		return nil, problems
	}
	ids, problems := parseIDFile(data, byUUID)
	if len(ids) == 0 && len(problems.errors) == 0 {
		problems.errors = append(problems.errors, fmt.Sprintf("The id file %s lists no ids; it needs at least one id, one per line.", path))
	}
	return ids, problems
}

// parseIDFile is readIDFile on the file's content.
func parseIDFile(data []byte, byUUID bool) ([]string, idFileProblems) {
	var problems idFileProblems
	kind := "distinct id"
	if byUUID {
		kind = "UUID"
	}
	// One string for the whole file; the ids are slices of it.
	text := string(data)
	ids := make([]string, 0, bytes.Count(data, []byte{'\n'})+1)
	lineOf := make(map[string]int, cap(ids))
	var blank, invalid, duplicate, padded lineList
	line := 0
	for len(text) > 0 {
		line++
		entry, rest, _ := strings.Cut(text, "\n")
		text = rest
		entry = strings.TrimSuffix(entry, "\r")
		switch {
		case entry == "":
			continue
		case strings.TrimSpace(entry) == "":
			blank.add(fmt.Sprint(line))
			continue
		case byUUID && !canonicalUUID.MatchString(entry):
			invalid.add(fmt.Sprintf("line %d (%q)", line, truncate(entry, 40)))
			continue
		case !byUUID && strings.TrimSpace(entry) != entry:
			padded.add(fmt.Sprint(line))
		}
		key := entry
		if byUUID {
			key = strings.ToLower(entry)
		}
		if first, dup := lineOf[key]; dup {
			duplicate.add(fmt.Sprintf("%d (same as line %d)", line, first))
			continue
		}
		lineOf[key] = line
		ids = append(ids, entry)
	}
	if blank.total > 0 {
		problems.errors = append(problems.errors, fmt.Sprintf("%d lines hold only whitespace, an empty %s: line %s. "+
			"Remove them (empty lines are skipped).", blank.total, kind, blank.String()))
	}
	if invalid.total > 0 {
		problems.errors = append(problems.errors, fmt.Sprintf("%d lines are not person UUIDs in the 36-character form "+
			"shown in PostHog (such as 0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b): %s.", invalid.total, invalid.String()))
	}
	if duplicate.total > 0 {
		problems.errors = append(problems.errors, fmt.Sprintf("%d lines repeat an earlier %s: line %s. Remove the repeats.",
			duplicate.total, kind, duplicate.String()))
	}
	if padded.total > 0 {
		problems.warnings = append(problems.warnings, fmt.Sprintf("%d distinct ids start or end with whitespace (line %s). "+
			"PostHog matches distinct ids exactly, so these only match persons whose distinct id has the same whitespace.",
			padded.total, padded.String()))
	}
	return ids, problems
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// requestDigest is requested_digest: the sha256 of the request's ids as
// PostHog keys them (UUIDs in lower case), sorted and joined by newlines.
func requestDigest(r deletionRequest) string {
	keys := make([]string, len(r.ids))
	for i, id := range r.ids {
		keys[i] = r.key(id)
	}
	return digestOf(keys)
}

// digestOf hashes the sorted strings joined by newlines, without building
// the joined string. It sorts its argument.
func digestOf(values []string) string {
	slices.Sort(values)
	h := sha256.New()
	for i, v := range values {
		if i > 0 {
			h.Write([]byte{'\n'})
		}
		h.Write([]byte(v))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// chainDeletedDigest extends deleted_person_uuids_digest by the persons one
// apply deleted: the first apply's digest is that of its UUIDs; a later
// apply that deletes more hashes the previous digest followed by its own
// UUIDs, so the digest covers every apply in order.
func chainDeletedDigest(prior types.String, deleted []string) types.String {
	sorted := make([]string, len(deleted))
	for i, id := range deleted {
		sorted[i] = strings.ToLower(id)
	}
	if prior.IsNull() || prior.IsUnknown() || prior.ValueString() == "" {
		return types.StringValue(digestOf(sorted))
	}
	if len(sorted) == 0 {
		return prior
	}
	slices.Sort(sorted)
	h := sha256.New()
	h.Write([]byte(prior.ValueString()))
	for _, v := range sorted {
		h.Write([]byte{'\n'})
		h.Write([]byte(v))
	}
	return types.StringValue(hex.EncodeToString(h.Sum(nil)))
}

// isBulk reports whether the model uses the file form.
func isBulk(m personDeletionModel) bool {
	return !m.DistinctIDsFile.IsNull() || !m.UUIDsFile.IsNull()
}

// byUUIDModel reports whether the model requests persons by UUID.
func byUUIDModel(m personDeletionModel) bool {
	return !m.UUIDs.IsNull() || !m.UUIDsFile.IsNull()
}

// unmatchedCount counts the requested ids that resolved to no person.
func unmatchedCount(ids []string, matched map[string]struct{}) int {
	n := 0
	for _, id := range ids {
		if _, ok := matched[id]; !ok {
			n++
		}
	}
	return n
}

// int64OrZero returns the value of v, or 0 when it is null or unknown.
func int64OrZero(v types.Int64) int64 {
	if v.IsNull() || v.IsUnknown() {
		return 0
	}
	return v.ValueInt64()
}

// listLength is the number of elements of a list as an Int64 attribute:
// unknown when the list is unknown, null when it is null.
func listLength(l types.List) types.Int64 {
	switch {
	case l.IsUnknown():
		return types.Int64Unknown()
	case l.IsNull():
		return types.Int64Null()
	}
	return types.Int64Value(int64(len(l.Elements())))
}

// fillSummaries derives the count attributes from the person lists in the
// list form, and nulls the lists in the bulk form, where the counts and
// digests are set directly.
func fillSummaries(m *personDeletionModel) {
	if isBulk(*m) {
		m.PreviewPersonUUIDs = types.ListNull(types.StringType)
		m.PreviewUnmatchedIDs = types.ListNull(types.StringType)
		m.DeletedPersonUUIDs = types.ListNull(types.StringType)
		m.UnmatchedIDs = types.ListNull(types.StringType)
		m.RemainingPersonUUIDs = types.ListNull(types.StringType)
		return
	}
	m.PreviewUnmatchedIDCount = listLength(m.PreviewUnmatchedIDs)
	m.UnmatchedIDCount = listLength(m.UnmatchedIDs)
	m.RemainingPersonCount = listLength(m.RemainingPersonUUIDs)
	m.DeletedPersonUUIDsDigest = types.StringNull()
}

// setRequested records requested_count and requested_digest, or marks them
// unknown while the ids are not known.
func setRequested(m *personDeletionModel, r deletionRequest) {
	if r.ids == nil {
		m.RequestedCount = types.Int64Unknown()
		m.RequestedDigest = types.StringUnknown()
		return
	}
	m.RequestedCount = types.Int64Value(int64(len(r.ids)))
	m.RequestedDigest = types.StringValue(requestDigest(r))
}

// recordBulk records in model what a bulk-form apply did: counts and a
// digest instead of per-person lists.
func (r *personDeletionResource) recordBulk(ctx context.Context, request deletionRequest, model *personDeletionModel, prior personDeletionModel,
	outcome deletionOutcome, runErr error, diags *diag.Diagnostics) {
	priorCount := int64OrZero(prior.DeletedPersonCount)
	if request.keepPerson {
		// The persons stay, so every apply queues all of them again.
		model.DeletedPersonCount = types.Int64Value(int64(len(outcome.deleted)))
		model.DeletedPersonUUIDsDigest = chainDeletedDigest(types.StringNull(), outcome.deleted)
	} else {
		model.DeletedPersonCount = types.Int64Value(priorCount + int64(len(outcome.deleted)))
		model.DeletedPersonUUIDsDigest = chainDeletedDigest(prior.DeletedPersonUUIDsDigest, outcome.deleted)
	}
	model.UnmatchedIDCount = types.Int64Value(int64(unmatchedCount(request.ids, outcome.matched)))
	switch {
	case len(outcome.deleted) > 0 || prior.DeletedAt.IsNull() || prior.DeletedAt.IsUnknown():
		model.DeletedAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	default:
		model.DeletedAt = prior.DeletedAt
	}
	model.RemainingPersonCount = types.Int64Value(0)
	if request.keepPerson {
		model.RemainingPersonCount = model.DeletedPersonCount
	}
	if len(outcome.deleted) == 0 && !prior.EventsDeletionStatus.IsNull() && !prior.EventsDeletionStatus.IsUnknown() &&
		request.deleteEvents == (prior.EventsDeletionStatus.ValueString() != eventsNotRequested) {
		// Nothing new was queued: the earlier status stands.
		model.EventsDeletionStatus = prior.EventsDeletionStatus
		model.EventsDeletionVerifiedAt = prior.EventsDeletionVerifiedAt
	} else {
		// The status of the persons this apply queued; state keeps no list
		// to refresh it from later.
		r.recordEventsDeletion(ctx, request, model, outcome.deleted, runErr == nil, diags)
	}

	if runErr != nil {
		lookupCtx, cancel := afterEndContext(ctx)
		defer cancel()
		if found, err := resolvePersons(lookupCtx, r.data, request); err == nil && !request.keepPerson {
			model.RemainingPersonCount = types.Int64Value(int64(len(found.personUUIDs)))
		}
		summary := "Person deletion did not finish"
		if isContextEnd(runErr) {
			summary = "Person deletion was interrupted"
		}
		diags.AddError(summary, fmt.Sprintf("%s.\n\nState records only the %d persons confirmed deleted by this apply. "+
			"Apply again to finish the request; persons already deleted are not touched again.", runErr, len(outcome.deleted)))
		return
	}
	tflog.Info(ctx, "bulk person deletion finished", map[string]any{
		"ids_requested": len(request.ids), "persons_deleted": len(outcome.deleted),
		"ids_unmatched": model.UnmatchedIDCount.ValueInt64(),
	})
	warnAboutUnmatched(request, int(model.UnmatchedIDCount.ValueInt64()), true, !prior.DeletedPersonCount.IsNull(), diags)
}

// readBulk is Read for the bulk form: it looks for persons that came back
// while the id file still holds the ids in state. The event-deletion status
// is not refreshed: state keeps no list of deleted persons to ask about.
func (r *personDeletionResource) readBulk(ctx context.Context, state *personDeletionModel, diags *diag.Diagnostics) {
	request, _, requestDiags := r.requestFromModel(*state)
	if requestDiags.HasError() {
		// Refresh must not fail for a missing file (terraform destroy would
		// be impossible); the plan reports it as an error.
		diags.AddWarning("Cannot check whether deleted persons came back",
			"The id file of this posthog_person_deletion could not be read, so the refresh kept the recorded state: "+
				summarizeDiagnostics(requestDiags))
		return
	}
	if request.ids == nil || requestDigest(request) != state.RequestedDigest.ValueString() {
		// The file changed since the last apply: the plan shows an update
		// that resolves all of it again.
		return
	}
	found, err := resolvePersons(ctx, r.data, request)
	if err != nil {
		diags.AddError("Unable to refresh the person deletion", err.Error())
		return
	}
	state.RemainingPersonCount = types.Int64Value(int64(len(found.personUUIDs)))
	if len(found.personUUIDs) > 0 && !request.keepPerson {
		tflog.Info(ctx, "persons exist again for the requested ids", map[string]any{"persons": len(found.personUUIDs)})
	}
}

func summarizeDiagnostics(d diag.Diagnostics) string {
	parts := make([]string, 0, len(d))
	for _, e := range d.Errors() {
		parts = append(parts, e.Detail())
	}
	return strings.Join(parts, "; ")
}

// remainingPersons is how many persons the requested ids resolved to at the
// last refresh.
func remainingPersons(m personDeletionModel) int64 {
	if isBulk(m) {
		return int64OrZero(m.RemainingPersonCount)
	}
	return int64(len(stringList(m.RemainingPersonUUIDs)))
}

// warnAboutFewerIDs is warnAboutRemovedIDs for the bulk form, which keeps no
// ids in state: it can tell only that the file lists fewer ids than before.
func warnAboutFewerIDs(plan, state personDeletionModel, diags *diag.Diagnostics) {
	if plan.RequestedCount.IsUnknown() || plan.RequestedCount.IsNull() || state.RequestedCount.IsNull() || state.RequestedCount.IsUnknown() {
		return
	}
	before, now := state.RequestedCount.ValueInt64(), plan.RequestedCount.ValueInt64()
	if now >= before {
		return
	}
	diags.AddWarning("Removed ids are not restored",
		fmt.Sprintf("The request now names %d ids, %d before: at least %d ids were removed. This makes no API call: the persons "+
			"deleted for them stay deleted, and Terraform no longer watches whether they come back.", now, before, before-now))
}
