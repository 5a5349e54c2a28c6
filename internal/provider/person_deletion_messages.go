package provider

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
)

// Plan-time messages of posthog_person_deletion. They give counts, never
// ids: diagnostics are logged at WARN level, where distinct ids (often
// emails) must not appear.

func warnAboutDestroy(diags *diag.Diagnostics) {
	diags.AddWarning("Destroying a person deletion does not restore anyone",
		"Destroying posthog_person_deletion only removes it from Terraform state. The persons, events and recordings "+
			"it deleted stay deleted; PostHog deletions cannot be undone.")
}

// warnAboutRemovedIDs warns that ids left the request (list form).
func warnAboutRemovedIDs(plan, state personDeletionModel, diags *diag.Diagnostics) {
	if plan.DistinctIDs.IsUnknown() || plan.UUIDs.IsUnknown() || plan.Emails.IsUnknown() {
		return
	}
	removed := deletion.RemovedIDs(state.listIDs(),
		plan.listIDs())
	if len(removed) == 0 {
		return
	}
	diags.AddWarning("Removed ids are not restored",
		fmt.Sprintf("%d ids were removed from the request (the plan shows which). This makes no API call: the persons deleted for them stay deleted, "+
			"and Terraform no longer watches whether they come back.", len(removed)))
}

// warnAboutFewerIDs is warnAboutRemovedIDs for the file form, which keeps no
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

func summarizeDiagnostics(d diag.Diagnostics) string {
	parts := make([]string, 0, len(d))
	for _, e := range d.Errors() {
		parts = append(parts, e.Detail())
	}
	return strings.Join(parts, "; ")
}

// warnAboutDeletion says, in every plan that deletes, what the apply will
// do, so that a reviewer sees it among the plan's warnings and not only in
// computed attributes.
func warnAboutDeletion(plan personDeletionModel, request deletion.Request, found deletion.Lookup, returning bool, diags *diag.Diagnostics) {
	persons := len(found.PersonUUIDs)
	unmatched := len(found.UnmatchedIDs(request.IDs))
	which := requestName(plan)
	if len(request.IDs) == 0 {
		diags.AddWarning("This request names no ids",
			fmt.Sprintf("posthog_person_deletion %s names no ids, so applying it deletes nothing and makes no API call. "+
				"It is kept so that a data-driven request may stay empty for a while.", which))
		return
	}
	if persons == 0 {
		diags.AddWarning("No requested id matches a person",
			fmt.Sprintf("None of the %d requested %s of posthog_person_deletion %s matches a person in project %d now, so "+
				"applying it deletes nothing.", len(request.IDs), request.IDKind(), which, request.ProjectID))
		return
	}
	summary := fmt.Sprintf("This plan permanently deletes %d persons", persons)
	what := fmt.Sprintf("deletes %d persons", persons)
	if request.KeepPerson {
		summary = fmt.Sprintf("This plan deletes data of %d persons", persons)
		what = fmt.Sprintf("keeps %d persons and deletes their %s", persons, deletedData(request))
	} else if extra := deletedData(request); extra != "" {
		what += " with their " + extra
	}
	if returning {
		summary = fmt.Sprintf("%d deleted persons are back for request %s", persons, which)
	}
	detail := fmt.Sprintf("posthog_person_deletion %s %s in project %d: the persons that %d of the %d requested %s "+
		"resolve to now.", which, what, request.ProjectID, len(request.IDs)-unmatched, len(request.IDs), request.IDKind())
	if request.Tickets != nil {
		detail = fmt.Sprintf("posthog_person_deletion %s %s in project %d: the persons that %d of the %d distinct ids it "+
			"looked up resolve to now; their tickets are listed below.", which, what, request.ProjectID, len(request.IDs)-unmatched, len(request.IDs))
	}
	if returning {
		detail += " An earlier apply of this request deleted persons for these ids; events arriving since created them again."
	}
	if unmatched > 0 {
		detail += fmt.Sprintf(" %d requested ids match no person.", unmatched)
	}
	detail += ticketLines(plan.PreviewTickets)
	detail += " PostHog deletions cannot be undone."
	diags.AddWarning(summary, detail)
}

// maxTicketLines bounds the tickets a plan warning names; preview_tickets
// lists them all.
const maxTicketLines = 20

// ticketLines names the tickets of preview_tickets with their persons, one
// per line, for the tickets form's plan warning.
func ticketLines(previews types.Map) string {
	if previews.IsNull() || previews.IsUnknown() || len(previews.Elements()) == 0 {
		return ""
	}
	names := make([]string, 0, len(previews.Elements()))
	for name := range previews.Elements() {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	fmt.Fprintf(&b, "\n\nTickets in this plan (persons their ids resolve to now):")
	for i, name := range names {
		if i == maxTicketLines {
			fmt.Fprintf(&b, "\n  ... and %d more tickets (see preview_tickets)", len(names)-maxTicketLines)
			break
		}
		persons, _ := previews.Elements()[name].(types.Int64)
		fmt.Fprintf(&b, "\n  %s: %d", name, persons.ValueInt64())
	}
	return b.String() + "\n\n"
}

// warnAboutReplacement says what replacing the resource after a flag
// change cannot do.
func warnAboutReplacement(plan, state personDeletionModel, diags *diag.Diagnostics) {
	changed := func(p, s types.Bool) bool { return !s.IsNull() && !p.IsUnknown() && !p.Equal(s) }
	if !changed(plan.DeleteEvents, state.DeleteEvents) && !changed(plan.DeleteRecordings, state.DeleteRecordings) &&
		!changed(plan.KeepPerson, state.KeepPerson) {
		return
	}
	diags.AddWarning("Changing a deletion flag replaces this deletion record",
		fmt.Sprintf("posthog_person_deletion %s is replaced by a new request with the new flags. PostHog deletes events and "+
			"recordings only together with persons that still exist: the events and recordings of persons this request "+
			"already deleted can no longer be deleted through it. The old record, including its evidence, leaves state: "+
			"archive it first (terraform state show, or an output of its evidence).", requestName(state)))
}

// requestName names a request in messages by its id and reason, never by
// its ids.
func requestName(m personDeletionModel) string {
	name := m.ID.ValueString()
	if m.ID.IsUnknown() || name == "" {
		name = "(new)"
	}
	if reason := optionalString(m.Reason); reason != nil {
		name += fmt.Sprintf(" (reason %q)", *reason)
	}
	return name
}

// deletedData names the data deleted beside the persons.
func deletedData(request deletion.Request) string {
	switch {
	case request.DeleteEvents && request.DeleteRecordings:
		return "events and session recordings"
	case request.DeleteEvents:
		return "events"
	case request.DeleteRecordings:
		return "session recordings"
	}
	return ""
}

// remainingInState is how many persons the ids resolved to at the last
// refresh.
func remainingInState(m personDeletionModel) int64 {
	if m.isCompact() {
		return int64OrZero(m.RemainingPersonCount)
	}
	return int64(len(stringList(m.RemainingPersonUUIDs)))
}

// warnAboutImportedIDs says how many imported ids match no person:
// PostHog cannot tell a deleted person from one that never existed.
func warnAboutImportedIDs(request deletion.Request, found deletion.Lookup, diags *diag.Diagnostics) {
	unmatched := len(found.UnmatchedIDs(request.IDs))
	if unmatched == 0 {
		return
	}
	detail := fmt.Sprintf("%d of the %d imported %s match no person in project %d. PostHog cannot tell a person that was "+
		"deleted from one that never existed, so check the import id against the request it records: a mistyped id is "+
		"imported as if it had been deleted.", unmatched, len(request.IDs), request.IDKind(), request.ProjectID)
	if request.ByUUID {
		detail += " The UUIDs that match no person are recorded in deleted_person_uuids."
	}
	diags.AddWarning("Imported ids match no person", detail)
}
