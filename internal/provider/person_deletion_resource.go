package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
)

const (
	defaultCreateTimeout = 20 * time.Minute
	defaultUpdateTimeout = 20 * time.Minute
)

var (
	_ resource.Resource                   = &personDeletionResource{}
	_ resource.ResourceWithConfigure      = &personDeletionResource{}
	_ resource.ResourceWithValidateConfig = &personDeletionResource{}
	_ resource.ResourceWithModifyPlan     = &personDeletionResource{}
	_ resource.ResourceWithImportState    = &personDeletionResource{}
)

// NewPersonDeletionResource is the posthog_person_deletion constructor.
func NewPersonDeletionResource() resource.Resource {
	return &personDeletionResource{}
}

type personDeletionResource struct {
	data *providerData
}

func (r *personDeletionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_person_deletion"
}

func (r *personDeletionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = personDeletionSchema(ctx)
}

// ValidateConfig rejects flag combinations that cannot do what they say.
func (r *personDeletionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config personDeletionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateOneRequestForm(config, &resp.Diagnostics)
	isTrue := func(v types.Bool) bool { return !v.IsNull() && !v.IsUnknown() && v.ValueBool() }
	isFalse := func(v types.Bool) bool { return v.IsNull() || (!v.IsUnknown() && !v.ValueBool()) }
	if isTrue(config.KeepPerson) && isFalse(config.DeleteEvents) && isFalse(config.DeleteRecordings) {
		resp.Diagnostics.AddAttributeError(path.Root("keep_person"), "keep_person deletes nothing on its own",
			"With keep_person = true the persons are kept, so set delete_events = true and/or delete_recordings = true, "+
				"or remove keep_person to delete the persons.")
	}
	if isTrue(config.WaitForEventsDeletion) && isFalse(config.DeleteEvents) {
		resp.Diagnostics.AddAttributeError(path.Root("wait_for_events_deletion"), "Nothing to wait for",
			"wait_for_events_deletion = true waits for PostHog to delete events; set delete_events = true or remove wait_for_events_deletion.")
	}
	validateTimeouts(config.Timeouts, &resp.Diagnostics)
	for _, file := range []struct {
		attr   string
		value  types.String
		byUUID bool
	}{{attrDistinctIDsFile, config.DistinctIDsFile, false}, {attrUUIDsFile, config.UUIDsFile, true}} {
		if file.value.IsNull() || file.value.IsUnknown() || file.value.ValueString() == "" {
			continue
		}
		_, problems := deletion.ReadIDFile(file.value.ValueString(), file.byUUID)
		addIDFileProblems(path.Root(file.attr), file.value.ValueString(), problems, &resp.Diagnostics, true)
	}
	if file := config.TicketsFile; !file.IsNull() && !file.IsUnknown() && file.ValueString() != "" {
		_, _, problems := deletion.ReadTicketsFile(file.ValueString())
		addTicketsFileProblems(file.ValueString(), problems, &resp.Diagnostics, true)
	}
}

// requestForms are the arguments that state a deletion request, in the
// order the diagnostics list them; exactly one must be set.
var requestForms = []string{"distinct_ids", "uuids", "emails", attrDistinctIDsFile, attrUUIDsFile, attrTicketsFile,
	attrDistinctIDsWO, attrUUIDsWO}

// validateOneRequestForm requires exactly one request form, with the
// diagnostics resourcevalidator.ExactlyOneOf gives. That validator matches
// each path expression by walking the whole configuration, which was a tenth
// of the provider's CPU in a plan of many instances (BENCHMARKS.md, "Provider
// CPU per instance"); the model is already read here. As with the validator,
// an unknown value defers "none set" to the apply-time configuration.
func validateOneRequestForm(config personDeletionModel, diags *diag.Diagnostics) {
	values := map[string]attr.Value{
		"distinct_ids": config.DistinctIDs, "uuids": config.UUIDs, "emails": config.Emails,
		attrDistinctIDsFile: config.DistinctIDsFile, attrUUIDsFile: config.UUIDsFile, attrTicketsFile: config.TicketsFile,
		attrDistinctIDsWO: config.DistinctIDsWO, attrUUIDsWO: config.UUIDsWO,
	}
	var set []string
	unknown := false
	for _, name := range requestForms {
		switch value := values[name]; {
		case value.IsUnknown():
			unknown = true
		case !value.IsNull():
			set = append(set, name)
		}
	}
	detail := "Exactly one of these attributes must be configured: [" + strings.Join(requestForms, ",") + "]"
	switch {
	case len(set) > 1:
		diags.AddAttributeError(path.Root(set[0]), "Invalid Attribute Combination", detail)
	case len(set) == 0 && !unknown:
		diags.AddError("Missing Attribute Configuration", detail)
	}
}

// validateTimeouts rejects zero and negative timeouts at plan time; the
// timeouts package accepts them and the apply would fail at once.
func validateTimeouts(value timeouts.Value, diags *diag.Diagnostics) {
	if value.IsNull() || value.IsUnknown() {
		return
	}
	for name, attribute := range value.Attributes() {
		text, ok := attribute.(types.String)
		if !ok || text.IsNull() || text.IsUnknown() {
			continue
		}
		if d, err := time.ParseDuration(text.ValueString()); err == nil && d <= 0 {
			diags.AddAttributeError(path.Root("timeouts").AtName(name), "Invalid timeout",
				fmt.Sprintf("timeouts.%s must be a positive duration such as \"30m\", got %q.", name, text.ValueString()))
		}
	}
}

func (r *personDeletionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Resource Configure Type",
			fmt.Sprintf("Expected *providerData, got: %T. Please report this issue to the provider developers.", req.ProviderData))
		return
	}
	r.data = data
}

// ModifyPlan decides what the plan does (deletion.Decide), fills in the
// plan-time preview for reviewers, and plans an update when a deleted user
// has come back.
func (r *personDeletionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		warnAboutDestroy(&resp.Diagnostics)
		return
	}
	var plan, state personDeletionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	withWriteOnlyIDs(ctx, req.Config, &plan, &resp.Diagnostics)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if !creating {
		keepComputedFromState(&plan, state)
		if !plan.isCompact() && !state.isCompact() {
			warnAboutRemovedIDs(plan, state, &resp.Diagnostics)
		}
	}
	if plan.ProjectID.IsUnknown() {
		var configured types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("project_id"), &configured)...)
		if configured.IsNull() {
			plan.ProjectID = r.providerProject()
		}
	}

	request, diags := r.requestFromModel(plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	setRequested(&plan, request)
	if !creating && plan.isCompact() {
		warnAboutFewerIDs(plan, state, &resp.Diagnostics)
	}
	if !creating {
		warnAboutReplacement(plan, state, &resp.Diagnostics)
	}
	wanted := desired(plan, request)
	var resolved *deletion.Lookup
	if !creating && request.WriteOnly {
		// No refresh can see write-only ids: whether deleted users came
		// back is checked now, from the configuration.
		resolved, wanted.ResolvedNow = r.resolveNow(ctx, request, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	switch deletion.Decide(current(state, creating), wanted) {
	case deletion.RefreshEvents:
		plan.EventsDeletionStatus = types.StringUnknown()
		plan.EventsDeletionVerifiedAt = types.StringUnknown()
		plan.Evidence = types.StringUnknown()
	case deletion.RecordReason:
		plan.Evidence = types.StringUnknown()
	case deletion.Delete:
		markApplyResultsUnknown(&plan)
		history, _ := priorHistories(ctx, req.Private, state, creating, &resp.Diagnostics)
		looked := previewRequest(request.Request, state, creating)
		found, ok := r.planPreview(ctx, &plan, state, request, looked, history, resolved, creating, &resp.Diagnostics)
		if !ok {
			return
		}
		if found != nil {
			returning := !creating && !boolValue(state.KeepPerson) &&
				(remainingInState(state) > 0 || (wanted.ResolvedNow != nil && *wanted.ResolvedNow > 0))
			warnAboutDeletion(plan, looked, *found, returning, &resp.Diagnostics)
		}
	}
	fillSummaries(&plan)
	withoutWriteOnlyIDs(&plan)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// planPreview resolves the requested ids so that reviewers see what the
// apply will delete. Terraform plans again during apply, in a new provider
// process, and stops the apply ("inconsistent final plan") when this
// preview has changed: a reviewed plan that no longer matches PostHog
// deletes nothing. looked is the part of the request it looks up (see
// previewRequest). It returns what the ids resolve to (nil while they are
// not known), and false when the plan cannot be made.
func (r *personDeletionResource) planPreview(ctx context.Context, plan *personDeletionModel, state personDeletionModel,
	request decodedRequest, looked deletion.Request, history deletion.IDHistory, resolved *deletion.Lookup, creating bool,
	diags *diag.Diagnostics) (*deletion.Lookup, bool) {
	if !request.ready || r.data == nil {
		// Ids or provider settings come from other resources.
		markPreviewUnknown(plan)
		return nil, true
	}
	plan.ProjectID = types.StringValue(fmt.Sprint(request.ProjectID))
	if creating {
		plan.ID = types.StringValue(request.ResourceID())
	}
	if resolved == nil {
		found, err := r.runner().Look(ctx, looked)
		if err != nil {
			diags.AddError("Unable to preview the person deletion", err.Error())
			return nil, false
		}
		resolved = &found
	}
	found := *resolved
	plan.PreviewPersonCount = types.Int64Value(int64(len(found.PersonUUIDs)))
	if request.Tickets != nil {
		plan.PreviewTickets = previewTickets(request.Tickets, found, state.Evidence.ValueString())
	}
	if request.Compact() {
		plan.PreviewUnmatchedIDCount = types.Int64Value(int64(history.NeverMatched(request.Request, found)))
	} else {
		plan.PreviewPersonUUIDs = stringListValue(found.PersonUUIDs)
		plan.PreviewUnmatchedIDs = stringListValue(deletion.UnmatchedAfter(request.IDs,
			state.listIDs(), stringList(state.UnmatchedIDs), found.Matched, creating))
	}
	tflog.Info(ctx, "planned person deletion", map[string]any{
		"persons_matched": len(found.PersonUUIDs), "ids_requested": len(request.IDs),
	})
	return &found, true
}

func (r *personDeletionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan personDeletionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	withWriteOnlyIDs(ctx, req.Config, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || !r.requireClient(&resp.Diagnostics) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	request, diags := knownRequest(r.requestFromModel(plan))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(request.ResourceID())
	plan.ProjectID = types.StringValue(fmt.Sprint(request.ProjectID))
	applied := r.apply(ctx, request, &plan, deletion.Prior{Creating: true}, "", &resp.Diagnostics)
	if applied.NothingHappened {
		// Nothing could have been deleted: no record, nothing to untaint.
		return
	}
	saveHistories(ctx, resp.Private, request, applied, &resp.Diagnostics)
	withoutWriteOnlyIDs(&plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes the event-deletion status and looks for persons that came
// back for the requested ids. It never removes the resource because persons
// are missing: their absence is the goal.
func (r *personDeletionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state personDeletionModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !r.requireClient(&resp.Diagnostics) {
		return
	}
	if state.isWriteOnly() {
		// Write-only ids are in the configuration only, which a refresh
		// does not see: the plan checks for returning users instead.
		return
	}
	decoded, diags := r.requestFromModel(state)
	if state.isFile() && (diags.HasError() || !decoded.idsKnown) {
		// Refresh must not fail for a missing file (terraform destroy would
		// be impossible); the plan reports it as an error.
		resp.Diagnostics.AddWarning("Cannot check whether deleted persons came back",
			"The id file of this posthog_person_deletion could not be read, so the refresh kept the recorded state: "+
				summarizeDiagnostics(diags))
		return
	}
	if state.isFile() && decoded.Digest() != state.RequestedDigest.ValueString() {
		// The file changed since the last apply: the plan shows an update
		// that resolves all of it again.
		return
	}
	request, diags := knownRequest(decoded, diags)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !state.isCompact() {
		setRequested(&state, decoded)
		normalizeImportedState(&state)
	}
	rec, err := r.runner().Refresh(ctx, request, recordOf(state), deletion.KeptRequestsOf(state.Evidence.ValueString()))
	if err != nil {
		resp.Diagnostics.AddError("Unable to refresh the person deletion", err.Error())
		return
	}
	setRecord(&state, rec)
	if !state.isCompact() {
		// The compact forms' evidence is updated by applies only.
		state.Evidence = types.StringValue(deletion.Evidence(state.Evidence.ValueString(), nil, subject(state, request), rec))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *personDeletionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state personDeletionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	withWriteOnlyIDs(ctx, req.Config, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || !r.requireClient(&resp.Diagnostics) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	decoded, diags := r.requestFromModel(plan)
	request, diags := knownRequest(decoded, diags)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.isCompact() {
		warnAboutFewerIDs(plan, state, &resp.Diagnostics)
	} else if !state.isCompact() {
		warnAboutRemovedIDs(plan, state, &resp.Diagnostics)
	}
	wanted := desired(plan, decoded)
	if request.WriteOnly {
		_, wanted.ResolvedNow = r.resolveNow(ctx, decoded, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
	}
	action := deletion.Decide(current(state, false), wanted)
	if action == deletion.Delete {
		prior := deletion.Prior{
			IDs:    state.listIDs(),
			Record: recordOf(state),
			Kept:   deletion.KeptRequestsOf(state.Evidence.ValueString()),
		}
		prior.History, prior.Deleted = priorHistories(ctx, req.Private, state, false, &resp.Diagnostics)
		prior.Only = plannedTicketIDs(request, plan)
		applied := r.apply(ctx, request, &plan, prior, state.Evidence.ValueString(), &resp.Diagnostics)
		saveHistories(ctx, resp.Private, request, applied, &resp.Diagnostics)
		withoutWriteOnlyIDs(&plan)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	// Nothing is deleted: only the reason or the event-deletion status may
	// change. Values the plan left unknown (it could not yet compare ids
	// that came from other resources) keep what state holds.
	rebuildEvidence := plan.Evidence.IsUnknown()
	keepUnknownFromState(&plan, state)
	if action == deletion.RefreshEvents {
		events, warnings := r.runner().EventsAfterApply(ctx, request, stringList(state.DeletedPersonUUIDs), true, true,
			deletion.KeptRequestsOf(state.Evidence.ValueString()))
		plan.EventsDeletionStatus = optionalStringValue(events.Status)
		plan.EventsDeletionVerifiedAt = optionalStringValue(events.VerifiedAt)
		addWarnings(&resp.Diagnostics, warnings)
	}
	fillSummaries(&plan)
	if rebuildEvidence {
		plan.Evidence = types.StringValue(deletion.Evidence(state.Evidence.ValueString(), nil, subject(plan, request), recordOf(plan)))
	}
	withoutWriteOnlyIDs(&plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply runs the deletion and records in model exactly what happened, also
// when it fails part way: state never claims more than PostHog did.
func (r *personDeletionResource) apply(ctx context.Context, request deletion.Request, model *personDeletionModel,
	prior deletion.Prior, priorEvidence string, diags *diag.Diagnostics) deletion.Applied {
	runner := r.runner()
	started := runner.Now()
	applied := runner.Apply(ctx, request, prior, boolValue(model.WaitForEventsDeletion))
	setRecord(model, applied.Record)
	about := subject(*model, request)
	entry := deletion.NewApplyEntry(about, started, applied)
	model.Evidence = types.StringValue(deletion.Evidence(priorEvidence, &entry, about, applied.Record))
	addWarnings(diags, applied.Warnings)
	if applied.Failure != nil {
		diags.AddError(applied.Failure.Summary, applied.Failure.Detail)
	}
	return applied
}

// Delete makes no API call: a PostHog deletion cannot be undone.
func (r *personDeletionResource) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	resp.Diagnostics.AddWarning("PostHog deletions cannot be undone",
		"posthog_person_deletion was removed from Terraform state only. The persons, events and recordings it deleted stay deleted.")
}

// ImportState takes "[<project_id>:]distinct_ids:<id>,<id>..." or
// "[<project_id>:]uuids:<uuid>,<uuid>..." and rebuilds state from PostHog on
// the read that follows.
func (r *personDeletionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	parsed, err := deletion.ParseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import id", err.Error())
		return
	}
	if parsed.ProjectID == 0 && r.data != nil {
		parsed.ProjectID = r.data.projectID
	}
	if parsed.ProjectID == 0 {
		resp.Diagnostics.AddError("Missing project id",
			"Prefix the import id with the project id (\"12345:distinct_ids:...\") or set project_id in the provider.")
		return
	}
	model := importedModel(parsed)
	if r.data != nil {
		found, err := r.runner().Resolve(ctx, parsed)
		if err != nil {
			resp.Diagnostics.AddError("Unable to import the person deletion", err.Error())
			return
		}
		if parsed.ByUUID {
			// A requested person that no longer exists was deleted; that much PostHog can tell.
			model.DeletedPersonUUIDs = stringListValue(deletion.GoneUUIDs(parsed, found))
		}
		warnAboutImportedIDs(parsed, found, &resp.Diagnostics)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// providerProject is project_id when the resource does not set it: the
// provider's project, null when the provider has none (the request then
// reports it), unknown while the provider's configuration is not known.
// It does not depend on the ids, so ids known only at apply time do not
// change it between plan and apply.
func (r *personDeletionResource) providerProject() types.String {
	switch {
	case r.data == nil:
		return types.StringUnknown()
	case r.data.projectID != 0:
		return types.StringValue(fmt.Sprint(r.data.projectID))
	}
	return types.StringNull()
}

// resolveNow looks the request's ids up now, for deletion.Decide when no
// refresh could (write-only ids): what they resolve to, for the preview, and
// how many persons; nil while the request cannot be resolved yet.
func (r *personDeletionResource) resolveNow(ctx context.Context, request decodedRequest, diags *diag.Diagnostics) (*deletion.Lookup, *int64) {
	if !request.ready || r.data == nil {
		return nil, nil
	}
	found, err := r.runner().Look(ctx, request.Request)
	if err != nil {
		diags.AddError("Unable to check whether deleted persons came back", err.Error())
		return nil, nil
	}
	n := int64(len(found.PersonUUIDs))
	return &found, &n
}

func (r *personDeletionResource) runner() deletion.Runner {
	return deletion.NewRunner(r.data.lookups)
}

func (r *personDeletionResource) requireClient(diags *diag.Diagnostics) bool {
	if r.data == nil {
		diags.AddError("Provider not configured",
			"The posthog provider has no usable configuration (host, api_key), so it cannot call PostHog.")
		return false
	}
	return true
}
