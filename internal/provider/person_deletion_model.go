package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
)

// The one place where posthog_person_deletion's Terraform values and the
// deletion package's types meet.

const (
	attrDistinctIDsFile = "distinct_ids_file"
	attrUUIDsFile       = "uuids_file"
	attrDistinctIDsWO   = "distinct_ids_wo"
	attrUUIDsWO         = "uuids_wo"
	attrTicketsFile     = "tickets_file"
)

// personDeletionModel is the resource's state and plan.
type personDeletionModel struct {
	ID                       types.String   `tfsdk:"id"`
	ProjectID                types.String   `tfsdk:"project_id"`
	DistinctIDs              types.List     `tfsdk:"distinct_ids"`
	UUIDs                    types.List     `tfsdk:"uuids"`
	Emails                   types.List     `tfsdk:"emails"`
	DistinctIDsFile          types.String   `tfsdk:"distinct_ids_file"`
	UUIDsFile                types.String   `tfsdk:"uuids_file"`
	TicketsFile              types.String   `tfsdk:"tickets_file"`
	DistinctIDsWO            types.List     `tfsdk:"distinct_ids_wo"`
	UUIDsWO                  types.List     `tfsdk:"uuids_wo"`
	RequestedCount           types.Int64    `tfsdk:"requested_count"`
	RequestedDigest          types.String   `tfsdk:"requested_digest"`
	DeleteEvents             types.Bool     `tfsdk:"delete_events"`
	DeleteRecordings         types.Bool     `tfsdk:"delete_recordings"`
	KeepPerson               types.Bool     `tfsdk:"keep_person"`
	WaitForEventsDeletion    types.Bool     `tfsdk:"wait_for_events_deletion"`
	PreviewPersonCount       types.Int64    `tfsdk:"preview_person_count"`
	PreviewPersonUUIDs       types.List     `tfsdk:"preview_person_uuids"`
	PreviewUnmatchedIDs      types.List     `tfsdk:"preview_unmatched_ids"`
	PreviewUnmatchedIDCount  types.Int64    `tfsdk:"preview_unmatched_id_count"`
	PreviewTickets           types.Map      `tfsdk:"preview_tickets"`
	DeletedPersonCount       types.Int64    `tfsdk:"deleted_person_count"`
	DeletedPersonUUIDs       types.List     `tfsdk:"deleted_person_uuids"`
	DeletedPersonUUIDsDigest types.String   `tfsdk:"deleted_person_uuids_digest"`
	UnmatchedIDs             types.List     `tfsdk:"unmatched_ids"`
	UnmatchedIDCount         types.Int64    `tfsdk:"unmatched_id_count"`
	RemainingPersonUUIDs     types.List     `tfsdk:"remaining_person_uuids"`
	RemainingPersonCount     types.Int64    `tfsdk:"remaining_person_count"`
	DeletedAt                types.String   `tfsdk:"deleted_at"`
	EventsDeletionStatus     types.String   `tfsdk:"events_deletion_status"`
	EventsDeletionVerifiedAt types.String   `tfsdk:"events_deletion_verified_at"`
	Reason                   types.String   `tfsdk:"reason"`
	Evidence                 types.String   `tfsdk:"evidence"`
	Timeouts                 timeouts.Value `tfsdk:"timeouts"`
}

// isFile reports whether the model uses the file form.
func (m personDeletionModel) isFile() bool {
	return !m.DistinctIDsFile.IsNull() || !m.UUIDsFile.IsNull() || !m.TicketsFile.IsNull()
}

// isWriteOnly reports whether the model uses write-only ids. Terraform keeps
// their values out of plan and state, so a state of this form has no id
// attribute at all; a plan has them once withWriteOnlyIDs copied them from
// the configuration.
func (m personDeletionModel) isWriteOnly() bool {
	return !m.DistinctIDsWO.IsNull() || !m.UUIDsWO.IsNull() ||
		(m.DistinctIDs.IsNull() && m.UUIDs.IsNull() && m.Emails.IsNull() && !m.isFile())
}

// withoutWriteOnlyIDs clears the write-only ids before m is written to the
// plan or state, where Terraform accepts no value for them.
func withoutWriteOnlyIDs(m *personDeletionModel) {
	m.DistinctIDsWO = types.ListNull(types.StringType)
	m.UUIDsWO = types.ListNull(types.StringType)
}

// isCompact reports whether state keeps counts and digests instead of
// per-person lists.
func (m personDeletionModel) isCompact() bool {
	return m.isFile() || m.isWriteOnly()
}

// byUUID reports whether the model requests persons by UUID. A state of
// write-only ids tells it by its id, which names the kind of ids.
func (m personDeletionModel) byUUID() bool {
	if !m.UUIDs.IsNull() || !m.UUIDsFile.IsNull() || !m.UUIDsWO.IsNull() {
		return true
	}
	return m.DistinctIDsWO.IsNull() && m.isWriteOnly() && strings.Contains(m.ID.ValueString(), ":uuids:")
}

// listIDs are the ids of the list form (distinct ids, UUIDs or emails),
// nil in the other forms.
func (m personDeletionModel) listIDs() []string {
	return append(append(stringList(m.DistinctIDs), stringList(m.UUIDs)...), stringList(m.Emails)...)
}

// property is the person property the list form's ids are values of, "" for
// distinct ids and UUIDs.
func (m personDeletionModel) property() string {
	if !m.Emails.IsNull() {
		return "email"
	}
	return ""
}

// withWriteOnlyIDs copies the write-only ids from the configuration, the
// only place Terraform keeps them, into m.
func withWriteOnlyIDs(ctx context.Context, config tfsdk.Config, m *personDeletionModel, diags *diag.Diagnostics) {
	diags.Append(config.GetAttribute(ctx, path.Root(attrDistinctIDsWO), &m.DistinctIDsWO)...)
	diags.Append(config.GetAttribute(ctx, path.Root(attrUUIDsWO), &m.UUIDsWO)...)
}

// flagsKnown reports whether every deletion flag is known.
func (m personDeletionModel) flagsKnown() bool {
	return !m.DeleteEvents.IsUnknown() && !m.DeleteRecordings.IsUnknown() && !m.KeepPerson.IsUnknown()
}

// decodedRequest is a request read from a model, with what is not yet known.
type decodedRequest struct {
	deletion.Request
	// idsKnown is false while the ids (or the id file's path) come from
	// values not known until apply.
	idsKnown bool
	// ready is true when the ids and the project are both known, so that
	// PostHog can be asked.
	ready bool
}

// requestFromModel decodes the request of a plan or state.
func (r *personDeletionResource) requestFromModel(m personDeletionModel) (decodedRequest, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := decodedRequest{Request: deletion.Request{
		ByUUID:           m.byUUID(),
		File:             m.isFile(),
		WriteOnly:        m.isWriteOnly(),
		Property:         m.property(),
		DeleteEvents:     boolValue(m.DeleteEvents),
		DeleteRecordings: boolValue(m.DeleteRecordings),
		KeepPerson:       boolValue(m.KeepPerson),
	}}
	if !m.TicketsFile.IsNull() {
		if m.TicketsFile.IsUnknown() {
			return out, diags
		}
		ids, tickets, problems := deletion.ReadTicketsFile(m.TicketsFile.ValueString())
		addTicketsFileProblems(m.TicketsFile.ValueString(), problems, &diags, false)
		if diags.HasError() {
			return out, diags
		}
		out.IDs, out.Tickets = ids, tickets
	} else if out.File {
		file, attr := m.DistinctIDsFile, attrDistinctIDsFile
		if out.ByUUID {
			file, attr = m.UUIDsFile, attrUUIDsFile
		}
		if file.IsUnknown() {
			return out, diags
		}
		ids, problems := deletion.ReadIDFile(file.ValueString(), out.ByUUID)
		addIDFileProblems(path.Root(attr), file.ValueString(), problems, &diags, false)
		if diags.HasError() {
			return out, diags
		}
		out.IDs = ids
	} else {
		ids := m.DistinctIDs
		switch {
		case out.Property != "":
			ids = m.Emails
		case out.WriteOnly && out.ByUUID:
			ids = m.UUIDsWO
		case out.WriteOnly:
			ids = m.DistinctIDsWO
		case out.ByUUID:
			ids = m.UUIDs
		}
		if ids.IsUnknown() || ids.IsNull() {
			// Null: write-only ids are not in state, so a refresh cannot know them.
			return out, diags
		}
		for _, element := range ids.Elements() {
			if element.IsUnknown() {
				return out, diags
			}
		}
		out.IDs = stringList(ids)
	}
	out.idsKnown = true

	switch {
	case m.ProjectID.IsUnknown():
		return out, diags
	case !m.ProjectID.IsNull():
		id, err := deletion.ParseProjectID(m.ProjectID.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("project_id"), "Invalid project id", err.Error())
		}
		out.ProjectID = id
	case r.data != nil && r.data.projectID != 0:
		out.ProjectID = r.data.projectID
	case r.data != nil:
		diags.AddAttributeError(path.Root("project_id"), "Missing PostHog project id",
			"Set project_id on this resource, in the provider block, or in the "+envProjectID+" environment variable.")
	default:
		return out, diags
	}
	out.ready = true
	return out, diags
}

// knownRequest is the request of a decoded model at apply or refresh time,
// when every value must be known.
func knownRequest(request decodedRequest, diags diag.Diagnostics) (deletion.Request, diag.Diagnostics) {
	if !request.ready && !diags.HasError() {
		diags.AddError("Person deletion request not known",
			"The ids or the project id of this posthog_person_deletion are still unknown at apply time. "+
				"Please report this issue to the provider developers.")
	}
	return request.Request, diags
}

// current is what state holds of the request, for deletion.Decide; nil
// when creating.
func current(state personDeletionModel, creating bool) *deletion.Current {
	if creating {
		return nil
	}
	request := deletion.Request{
		ByUUID:           state.byUUID(),
		File:             state.isFile(),
		WriteOnly:        state.isWriteOnly(),
		Property:         state.property(),
		IDs:              state.listIDs(),
		DeleteEvents:     boolValue(state.DeleteEvents),
		DeleteRecordings: boolValue(state.DeleteRecordings),
		KeepPerson:       boolValue(state.KeepPerson),
	}
	remaining := int64(len(stringList(state.RemainingPersonUUIDs)))
	if request.Compact() {
		remaining = int64OrZero(state.RemainingPersonCount)
	}
	return &deletion.Current{
		Request:          request,
		FlagsKnown:       !state.DeleteEvents.IsNull() && !state.DeleteRecordings.IsNull() && !state.KeepPerson.IsNull(),
		Digest:           state.RequestedDigest.ValueString(),
		RemainingPersons: remaining,
		EventsStatus:     state.EventsDeletionStatus.ValueString(),
		WaitForEvents:    boolValue(state.WaitForEventsDeletion),
		Reason:           optionalString(state.Reason),
	}
}

// desired is the plan's request, for deletion.Decide.
func desired(plan personDeletionModel, request decodedRequest) deletion.Desired {
	return deletion.Desired{
		Request:       request.Request,
		Known:         request.idsKnown && plan.flagsKnown(),
		WaitForEvents: boolValue(plan.WaitForEventsDeletion),
		Reason:        optionalString(plan.Reason),
	}
}

// recordOf reads the record state keeps.
func recordOf(m personDeletionModel) deletion.Record {
	return deletion.Record{
		DeletedUUIDs:   stringList(m.DeletedPersonUUIDs),
		DeletedCount:   int64OrZero(m.DeletedPersonCount),
		DeletedDigest:  m.DeletedPersonUUIDsDigest.ValueString(),
		UnmatchedIDs:   stringList(m.UnmatchedIDs),
		UnmatchedCount: int64OrZero(m.UnmatchedIDCount),
		RemainingUUIDs: stringList(m.RemainingPersonUUIDs),
		RemainingCount: int64OrZero(m.RemainingPersonCount),
		DeletedAt:      m.DeletedAt.ValueString(),
		Events: deletion.Events{
			Status:     m.EventsDeletionStatus.ValueString(),
			VerifiedAt: m.EventsDeletionVerifiedAt.ValueString(),
		},
	}
}

// setRecord writes rec into the model: per-person lists in the list form,
// counts and the digest in the file form.
func setRecord(m *personDeletionModel, rec deletion.Record) {
	if m.isCompact() {
		m.DeletedPersonCount = types.Int64Value(rec.DeletedCount)
		m.DeletedPersonUUIDsDigest = optionalStringValue(rec.DeletedDigest)
		m.UnmatchedIDCount = types.Int64Value(rec.UnmatchedCount)
		m.RemainingPersonCount = types.Int64Value(rec.RemainingCount)
	} else {
		m.DeletedPersonUUIDs = stringListValue(rec.DeletedUUIDs)
		m.DeletedPersonCount = types.Int64Value(int64(len(rec.DeletedUUIDs)))
		m.UnmatchedIDs = stringListValue(rec.UnmatchedIDs)
		m.RemainingPersonUUIDs = stringListValue(rec.RemainingUUIDs)
	}
	m.DeletedAt = optionalStringValue(rec.DeletedAt)
	m.EventsDeletionStatus = optionalStringValue(rec.Events.Status)
	m.EventsDeletionVerifiedAt = optionalStringValue(rec.Events.VerifiedAt)
	fillSummaries(m)
}

// subject is what the evidence record is about.
func subject(m personDeletionModel, request deletion.Request) deletion.Subject {
	s := deletion.Subject{
		ResourceID: m.ID.ValueString(),
		ProjectID:  m.ProjectID.ValueString(),
		Reason:     optionalString(m.Reason),
		Request:    request,
	}
	// The plan already hashed the ids; 100,000 of them are not hashed twice.
	if m.RequestedCount.IsNull() || m.RequestedCount.IsUnknown() || m.RequestedDigest.IsNull() || m.RequestedDigest.IsUnknown() {
		s.RequestedCount, s.RequestedDigest = len(request.IDs), request.Digest()
	} else {
		s.RequestedCount, s.RequestedDigest = int(m.RequestedCount.ValueInt64()), m.RequestedDigest.ValueString()
	}
	return s
}

// setRequested records requested_count and requested_digest, or marks them
// unknown while the ids are not known.
func setRequested(m *personDeletionModel, request decodedRequest) {
	if !request.idsKnown {
		m.RequestedCount = types.Int64Unknown()
		m.RequestedDigest = types.StringUnknown()
		return
	}
	m.RequestedCount = types.Int64Value(int64(len(request.IDs)))
	m.RequestedDigest = types.StringValue(request.Digest())
}

// fillSummaries derives the count attributes from the person lists in the
// list form, and nulls the lists in the file form, where the counts and
// digests are set directly.
func fillSummaries(m *personDeletionModel) {
	if m.TicketsFile.IsNull() {
		m.PreviewTickets = types.MapNull(types.Int64Type)
	}
	if m.isCompact() {
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

// keepComputedFromState starts an update plan from the values in state; the
// plan then overrides what the apply will change.
func keepComputedFromState(plan *personDeletionModel, state personDeletionModel) {
	plan.ID = state.ID
	plan.PreviewPersonCount = state.PreviewPersonCount
	plan.PreviewPersonUUIDs = state.PreviewPersonUUIDs
	plan.PreviewUnmatchedIDs = state.PreviewUnmatchedIDs
	plan.PreviewUnmatchedIDCount = state.PreviewUnmatchedIDCount
	plan.PreviewTickets = state.PreviewTickets
	plan.DeletedPersonCount = state.DeletedPersonCount
	plan.DeletedPersonUUIDsDigest = state.DeletedPersonUUIDsDigest
	plan.UnmatchedIDCount = state.UnmatchedIDCount
	plan.RemainingPersonCount = state.RemainingPersonCount
	plan.DeletedPersonUUIDs = state.DeletedPersonUUIDs
	plan.UnmatchedIDs = state.UnmatchedIDs
	plan.RemainingPersonUUIDs = state.RemainingPersonUUIDs
	plan.DeletedAt = state.DeletedAt
	plan.EventsDeletionStatus = state.EventsDeletionStatus
	plan.EventsDeletionVerifiedAt = state.EventsDeletionVerifiedAt
	plan.Evidence = state.Evidence
}

// markApplyResultsUnknown marks what a deletion apply records. After a
// successful apply no person remains, unless keep_person keeps them.
func markApplyResultsUnknown(plan *personDeletionModel) {
	plan.DeletedPersonCount = types.Int64Unknown()
	plan.DeletedPersonUUIDs = types.ListUnknown(types.StringType)
	plan.UnmatchedIDs = types.ListUnknown(types.StringType)
	plan.DeletedAt = types.StringUnknown()
	plan.EventsDeletionStatus = types.StringUnknown()
	plan.EventsDeletionVerifiedAt = types.StringUnknown()
	plan.RemainingPersonUUIDs = stringListValue(nil)
	plan.DeletedPersonUUIDsDigest = types.StringUnknown()
	plan.UnmatchedIDCount = types.Int64Unknown()
	plan.RemainingPersonCount = types.Int64Value(0)
	plan.Evidence = types.StringUnknown()
	if !plan.KeepPerson.IsNull() && (plan.KeepPerson.IsUnknown() || plan.KeepPerson.ValueBool()) {
		plan.RemainingPersonUUIDs = types.ListUnknown(types.StringType)
		plan.RemainingPersonCount = types.Int64Unknown()
	}
}

// previewTickets is preview_tickets: the persons that each ticket a
// reviewer must see resolves to now (see deletion.TicketsToReview).
func previewTickets(tickets *deletion.Tickets, found deletion.Lookup, evidence string) types.Map {
	values := map[string]attr.Value{}
	for _, p := range deletion.TicketsToReview(tickets, found, evidence) {
		values[p.Ticket] = types.Int64Value(int64(p.Persons))
	}
	return types.MapValueMust(types.Int64Type, values)
}

// previewRequest is what a plan's preview looks up. In the tickets form,
// when the last refresh found nobody back, only the tickets no apply has
// recorded yet can need anything: looking up 10,000 earlier tickets again
// for one new one would spend PostHog's read limit for nothing. A refresh
// skipped because the file changed leaves the count of its predecessor; a
// user back since is caught by the next plan's refresh.
func previewRequest(request deletion.Request, state personDeletionModel, creating bool) deletion.Request {
	if request.Tickets == nil || creating || request.KeepPerson || remainingInState(state) > 0 {
		return request
	}
	request.IDs = request.Tickets.IDsOf(request.Tickets.Unrecorded(state.Evidence.ValueString()))
	return request
}

// plannedTicketIDs are the ids an update of the tickets form deletes for:
// those of the tickets its reviewed plan listed in preview_tickets (nil, all
// ids, in the other forms or when the plan could not list them).
func plannedTicketIDs(request deletion.Request, plan personDeletionModel) []string {
	if request.Tickets == nil || plan.PreviewTickets.IsNull() || plan.PreviewTickets.IsUnknown() {
		return nil
	}
	names := make([]string, 0, len(plan.PreviewTickets.Elements()))
	for name := range plan.PreviewTickets.Elements() {
		names = append(names, name)
	}
	slices.Sort(names)
	return request.Tickets.IDsOf(names)
}

// markPreviewUnknown is the preview of a plan whose ids or provider
// settings come from other resources: it waits for the apply.
func markPreviewUnknown(plan *personDeletionModel) {
	plan.PreviewPersonCount = types.Int64Unknown()
	plan.PreviewPersonUUIDs = types.ListUnknown(types.StringType)
	plan.PreviewUnmatchedIDs = types.ListUnknown(types.StringType)
	plan.PreviewUnmatchedIDCount = types.Int64Unknown()
	plan.PreviewTickets = types.MapUnknown(types.Int64Type)
}

// addTicketsFileProblems reports the findings of deletion.ReadTicketsFile.
func addTicketsFileProblems(file string, problems deletion.IDFileProblems, diags *diag.Diagnostics, withWarnings bool) {
	for _, msg := range problems.Errors {
		diags.AddAttributeError(path.Root(attrTicketsFile), "Invalid tickets file", fmt.Sprintf("%s: %s", file, msg))
	}
	if withWarnings {
		for _, msg := range problems.Warnings {
			diags.AddAttributeWarning(path.Root(attrTicketsFile), "Distinct ids with surrounding whitespace", fmt.Sprintf("%s: %s", file, msg))
		}
	}
}

// addIDFileProblems reports the findings of deletion.ReadIDFile on attr.
func addIDFileProblems(attr path.Path, file string, problems deletion.IDFileProblems, diags *diag.Diagnostics, withWarnings bool) {
	for _, msg := range problems.Errors {
		diags.AddAttributeError(attr, "Invalid id file", fmt.Sprintf("%s: %s", file, msg))
	}
	if withWarnings {
		for _, msg := range problems.Warnings {
			diags.AddAttributeWarning(attr, "Distinct ids with surrounding whitespace", fmt.Sprintf("%s: %s", file, msg))
		}
	}
}

// addMessages adds the deletion package's warnings to diags.
func addWarnings(diags *diag.Diagnostics, warnings []deletion.Message) {
	for _, w := range warnings {
		diags.AddWarning(w.Summary, w.Detail)
	}
}

// importedModel is the state of an imported deletion before the read that
// follows fills it in; the history before the import is unknown to
// PostHog's API, and the flags stay null until the first apply adopts the
// configured ones.
func importedModel(request deletion.Request) personDeletionModel {
	model := personDeletionModel{
		ID:                       types.StringValue(request.ResourceID()),
		ProjectID:                types.StringValue(fmt.Sprint(request.ProjectID)),
		DistinctIDs:              types.ListNull(types.StringType),
		UUIDs:                    types.ListNull(types.StringType),
		Emails:                   types.ListNull(types.StringType),
		DistinctIDsFile:          types.StringNull(),
		UUIDsFile:                types.StringNull(),
		TicketsFile:              types.StringNull(),
		PreviewTickets:           types.MapNull(types.Int64Type),
		DistinctIDsWO:            types.ListNull(types.StringType),
		UUIDsWO:                  types.ListNull(types.StringType),
		RequestedCount:           types.Int64Null(),
		RequestedDigest:          types.StringNull(),
		PreviewUnmatchedIDCount:  types.Int64Null(),
		UnmatchedIDCount:         types.Int64Null(),
		RemainingPersonCount:     types.Int64Null(),
		DeletedPersonUUIDsDigest: types.StringNull(),
		DeleteEvents:             types.BoolNull(),
		DeleteRecordings:         types.BoolNull(),
		KeepPerson:               types.BoolNull(),
		WaitForEventsDeletion:    types.BoolValue(false),
		PreviewPersonCount:       types.Int64Null(),
		PreviewPersonUUIDs:       types.ListNull(types.StringType),
		PreviewUnmatchedIDs:      types.ListNull(types.StringType),
		DeletedPersonCount:       types.Int64Null(),
		DeletedPersonUUIDs:       types.ListNull(types.StringType),
		UnmatchedIDs:             types.ListNull(types.StringType),
		RemainingPersonUUIDs:     types.ListNull(types.StringType),
		DeletedAt:                types.StringNull(),
		EventsDeletionStatus:     types.StringNull(),
		EventsDeletionVerifiedAt: types.StringNull(),
		Reason:                   types.StringNull(),
		Evidence:                 types.StringValue(deletion.ImportedEvidence()),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "update": types.StringType,
		})},
	}
	if request.ByUUID {
		model.UUIDs = stringListValue(request.IDs)
	} else {
		model.DistinctIDs = stringListValue(request.IDs)
	}
	return model
}

// normalizeImportedState gives an imported (or older) list-form state the
// values a read after an apply would have.
func normalizeImportedState(state *personDeletionModel) {
	if state.PreviewPersonCount.IsNull() {
		state.PreviewPersonCount = types.Int64Value(0)
		state.PreviewPersonUUIDs = stringListValue(nil)
		state.PreviewUnmatchedIDs = stringListValue(nil)
	}
}

// keepUnknownFromState gives the computed values an update plan left
// unknown the values in state: the apply deletes nothing.
func keepUnknownFromState(plan *personDeletionModel, state personDeletionModel) {
	keepString := func(p *types.String, s types.String) {
		if p.IsUnknown() {
			*p = s
		}
	}
	keepInt := func(p *types.Int64, s types.Int64) {
		if p.IsUnknown() {
			*p = s
		}
	}
	keepList := func(p *types.List, s types.List) {
		if p.IsUnknown() {
			*p = s
		}
	}
	keepString(&plan.ID, state.ID)
	keepString(&plan.ProjectID, state.ProjectID)
	keepString(&plan.DeletedPersonUUIDsDigest, state.DeletedPersonUUIDsDigest)
	keepString(&plan.DeletedAt, state.DeletedAt)
	keepString(&plan.EventsDeletionStatus, state.EventsDeletionStatus)
	keepString(&plan.EventsDeletionVerifiedAt, state.EventsDeletionVerifiedAt)
	keepString(&plan.Evidence, state.Evidence)
	keepInt(&plan.PreviewPersonCount, state.PreviewPersonCount)
	keepInt(&plan.PreviewUnmatchedIDCount, state.PreviewUnmatchedIDCount)
	keepInt(&plan.DeletedPersonCount, state.DeletedPersonCount)
	keepInt(&plan.UnmatchedIDCount, state.UnmatchedIDCount)
	keepInt(&plan.RemainingPersonCount, state.RemainingPersonCount)
	keepList(&plan.PreviewPersonUUIDs, state.PreviewPersonUUIDs)
	keepList(&plan.PreviewUnmatchedIDs, state.PreviewUnmatchedIDs)
	keepList(&plan.DeletedPersonUUIDs, state.DeletedPersonUUIDs)
	keepList(&plan.UnmatchedIDs, state.UnmatchedIDs)
	keepList(&plan.RemainingPersonUUIDs, state.RemainingPersonUUIDs)
	if plan.PreviewTickets.IsUnknown() {
		plan.PreviewTickets = state.PreviewTickets
	}
}
