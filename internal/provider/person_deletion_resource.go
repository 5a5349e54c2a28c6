package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
)

const (
	defaultCreateTimeout = 20 * time.Minute
	defaultUpdateTimeout = 20 * time.Minute
)

var (
	_ resource.Resource                     = &personDeletionResource{}
	_ resource.ResourceWithConfigure        = &personDeletionResource{}
	_ resource.ResourceWithConfigValidators = &personDeletionResource{}
	_ resource.ResourceWithValidateConfig   = &personDeletionResource{}
	_ resource.ResourceWithModifyPlan       = &personDeletionResource{}
	_ resource.ResourceWithImportState      = &personDeletionResource{}
)

// NewPersonDeletionResource is the posthog_person_deletion constructor.
func NewPersonDeletionResource() resource.Resource {
	return &personDeletionResource{}
}

type personDeletionResource struct {
	data *providerData
}

// personDeletionModel is the resource's state and plan.
type personDeletionModel struct {
	ID                       types.String   `tfsdk:"id"`
	ProjectID                types.String   `tfsdk:"project_id"`
	DistinctIDs              types.List     `tfsdk:"distinct_ids"`
	UUIDs                    types.List     `tfsdk:"uuids"`
	DistinctIDsFile          types.String   `tfsdk:"distinct_ids_file"`
	UUIDsFile                types.String   `tfsdk:"uuids_file"`
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

func (r *personDeletionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_person_deletion"
}

func (r *personDeletionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceFlag := []planmodifier.Bool{replaceUnlessImported()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Deletes persons from PostHog, waits until PostHog confirms it, and keeps the evidence in state. " +
			"The plan shows how many persons the request matches and which requested ids match no person; later plans " +
			"show an update when a deleted user has come back (PostHog creates a new person when events keep arriving " +
			"for a deleted distinct id), and applying it deletes them again.\n\n" +
			"~> **Deletions cannot be undone.** Removing ids from the request, or destroying the resource, " +
			"makes no API call: it only stops Terraform from tracking them.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "An identifier of this deletion request: the project id, the kind of ids and a digest of the ids requested at creation.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"project_id": schema.StringAttribute{
				MarkdownDescription: "The numeric id of the PostHog project to delete from. Defaults to the provider's `project_id`. Changing it forces a new resource.",
				Optional:            true,
				Computed:            true,
				PlanModifiers: []planmodifier.String{
					stringplanmodifier.UseStateForUnknown(),
					stringplanmodifier.RequiresReplace(),
				},
				Validators: []validator.String{projectIDValidator{}},
			},
			"distinct_ids": schema.ListAttribute{
				MarkdownDescription: "The distinct ids whose persons are deleted (for example user ids or emails that your product sends to PostHog). " +
					"Every person that one of them resolves to is deleted, with all of that person's distinct ids. " +
					"Exactly one of `distinct_ids`, `uuids`, `distinct_ids_file` and `uuids_file` must be set. Adding ids deletes their persons in place; " +
					"removing ids makes no API call. For more than a few hundred ids use `distinct_ids_file`.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(distinctIDValidator{}),
					uniqueIDsValidator{},
				},
			},
			"uuids": schema.ListAttribute{
				MarkdownDescription: "The UUIDs of the persons to delete, as shown in PostHog. " +
					"Exactly one of `distinct_ids`, `uuids`, `distinct_ids_file` and `uuids_file` must be set. For more than a few hundred ids use `uuids_file`.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(personUUIDValidator{}),
					uniqueIDsValidator{foldCase: true},
				},
			},
			attrDistinctIDsFile: schema.StringAttribute{
				MarkdownDescription: "The bulk form of `distinct_ids`: the path of a file with one distinct id per line, read by the provider " +
					"at every plan and apply. Empty lines (and the trailing newline) are skipped; whitespace-only lines and repeated ids " +
					"are rejected at plan time with their line numbers. Plan and state hold the path, `requested_count` and " +
					"`requested_digest`, never the ids; the per-person lists are null and counts and a digest take their place " +
					"(see \"Bulk requests\"). A relative path is relative to the directory Terraform runs in: write " +
					"`\"${path.module}/ids.txt\"`. Editing the file shows as a change of `requested_count` and `requested_digest`; " +
					"added ids are deleted in place, removed ids make no API call.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			attrUUIDsFile: schema.StringAttribute{
				MarkdownDescription: "The bulk form of `uuids`: the path of a file with one person UUID per line, as for `distinct_ids_file`. " +
					"Lines that are not UUIDs in the canonical 36-character form, and UUIDs repeated in any letter case, are rejected at " +
					"plan time with their line numbers.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"requested_count": schema.Int64Attribute{
				MarkdownDescription: "How many ids the request names (after skipping empty lines of an id file).",
				Computed:            true,
			},
			"requested_digest": schema.StringAttribute{
				MarkdownDescription: "The sha256 (hex) of the requested ids, sorted and joined by newlines (UUIDs in lower case). " +
					"It changes exactly when the set of requested ids changes, so a plan shows an edit of a large id file as one line. " +
					"Reproduce it with `grep -v '^$' ids.txt | LC_ALL=C sort | head -c -1 | sha256sum` (for UUIDs, lower-case them first).",
				Computed: true,
			},
			"delete_events": schema.BoolAttribute{
				MarkdownDescription: "Whether to also delete the persons' events. PostHog deletes events captured before the request in a weekly batch job; " +
					"`events_deletion_status` shows its progress. Defaults to `false`, as in PostHog. Changing it forces a new resource.",
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(false),
				PlanModifiers: replaceFlag,
			},
			"delete_recordings": schema.BoolAttribute{
				MarkdownDescription: "Whether to also delete the persons' session recordings. PostHog reports no status for this. " +
					"Defaults to `false`. Changing it forces a new resource.",
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(false),
				PlanModifiers: replaceFlag,
			},
			"keep_person": schema.BoolAttribute{
				MarkdownDescription: "Whether to keep the person profiles and delete only their events and/or recordings. " +
					"Requires `delete_events` or `delete_recordings`. Defaults to `false`. Changing it forces a new resource.",
				Optional:      true,
				Computed:      true,
				Default:       booldefault.StaticBool(false),
				PlanModifiers: replaceFlag,
			},
			"wait_for_events_deletion": schema.BoolAttribute{
				MarkdownDescription: "Whether apply waits until PostHog verifies the event deletion, up to the create or update timeout. " +
					"PostHog runs that job weekly, so this is off by default; when the timeout passes first, apply succeeds with a warning " +
					"and `events_deletion_status` stays `pending`. Requires `delete_events`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"preview_person_count": schema.Int64Attribute{
				MarkdownDescription: "How many persons the requested ids matched when the plan was made.",
				Computed:            true,
			},
			"preview_person_uuids": schema.ListAttribute{
				MarkdownDescription: "The UUIDs of the persons the requested ids matched when the plan was made. " +
					"The apply deletes whatever the ids match at apply time and records it in `deleted_person_uuids`. Null in the bulk form (`distinct_ids_file`, `uuids_file`).",
				ElementType: types.StringType,
				Computed:    true,
			},
			"preview_unmatched_ids": schema.ListAttribute{
				MarkdownDescription: "The requested ids that matched no person when the plan was made (ids deleted by an earlier apply are not repeated here). Null in the bulk form (`distinct_ids_file`, `uuids_file`).",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"preview_unmatched_id_count": schema.Int64Attribute{
				MarkdownDescription: "How many requested ids matched no person when the plan was made: the length of `preview_unmatched_ids`. " +
					"In the bulk form, where no history of ids is kept, it counts every requested id that matches no person at plan time, " +
					"including ids whose persons an earlier apply deleted.",
				Computed: true,
			},
			"deleted_person_count": schema.Int64Attribute{
				MarkdownDescription: "How many persons this resource has deleted, over all its applies.",
				Computed:            true,
			},
			"deleted_person_uuids": schema.ListAttribute{
				MarkdownDescription: "The UUIDs of the persons this resource has deleted and verified gone, over all its applies, sorted. " +
					"With `keep_person`, the persons whose events or recordings were queued for deletion. Null in the bulk form (`distinct_ids_file`, `uuids_file`).",
				ElementType: types.StringType,
				Computed:    true,
			},
			"deleted_person_uuids_digest": schema.StringAttribute{
				MarkdownDescription: "Bulk form only (null in the list form, where `deleted_person_uuids` is kept): the sha256 (hex) of the " +
					"UUIDs the first apply deleted, lower case, sorted and joined by newlines. A later apply that deletes more persons " +
					"replaces it with the sha256 of the previous digest followed by a newline and its own UUIDs, sorted and joined by " +
					"newlines. With `keep_person`, the digest of the persons queued by the last apply.",
				Computed: true,
			},
			"unmatched_ids": schema.ListAttribute{
				MarkdownDescription: "The requested ids that have matched no person in any apply of this resource. Null in the bulk form (`distinct_ids_file`, `uuids_file`).",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"unmatched_id_count": schema.Int64Attribute{
				MarkdownDescription: "How many requested ids matched no person: the length of `unmatched_ids`. In the bulk form, the requested " +
					"ids that matched no person during the last apply (after an update, this includes ids whose persons an earlier apply deleted).",
				Computed: true,
			},
			"remaining_person_uuids": schema.ListAttribute{
				MarkdownDescription: "The persons the requested ids resolve to now, refreshed on every plan. Empty after a deletion; " +
					"a non-empty value means a deleted user has come back, and the plan shows an update that deletes them again " +
					"(with `keep_person`, it lists the kept persons). Null in the bulk form (`distinct_ids_file`, `uuids_file`).",
				ElementType: types.StringType,
				Computed:    true,
			},
			"remaining_person_count": schema.Int64Attribute{
				MarkdownDescription: "How many persons the requested ids resolve to now, refreshed on every plan: the length of " +
					"`remaining_person_uuids`. Above zero (without `keep_person`), the plan shows an update that deletes them again. " +
					"In the bulk form the refresh only checks while the id file still has the digest in state.",
				Computed: true,
			},
			"deleted_at": schema.StringAttribute{
				MarkdownDescription: "When the last apply that deleted persons finished (RFC 3339).",
				Computed:            true,
			},
			"events_deletion_status": schema.StringAttribute{
				MarkdownDescription: "The state of the event deletion, refreshed from PostHog's `deletion_status`: " +
					"`not_requested` (`delete_events` is false), `none` (no person was deleted), `pending` (queued, waiting for " +
					"PostHog's weekly job) or `completed` (PostHog verified it for every deleted person).",
				Computed: true,
			},
			"events_deletion_verified_at": schema.StringAttribute{
				MarkdownDescription: "When PostHog verified the event deletion of the last person (RFC 3339), once `events_deletion_status` is `completed`.",
				Computed:            true,
			},
			"reason": schema.StringAttribute{
				MarkdownDescription: "Why these persons are deleted: a ticket or request reference such as `GDPR-2041`, one line of up to " +
					"1000 characters. It is kept in state and in every apply's entry of `evidence`, so that policies can require it " +
					"and auditors can trace each deletion to its request. Changing it makes no API call.",
				Optional:   true,
				Validators: []validator.String{reasonValidator{}},
			},
			"evidence": schema.StringAttribute{
				MarkdownDescription: "One JSON document that a pipeline can archive as proof of the deletion: the request reference, " +
					"the digest of the requested ids, the persons deleted, the ids that matched nothing, PostHog's answers, when each " +
					"apply started and finished, and when PostHog verified the event deletion. Its fields are described in the " +
					"guide \"The evidence record of posthog_person_deletion\"; `format_version` is 1 and fields are only ever added. " +
					"Decode it with `jsondecode`. In the file form it is updated by applies only.",
				Computed: true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

func (r *personDeletionResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("distinct_ids"), path.MatchRoot("uuids"),
			path.MatchRoot(attrDistinctIDsFile), path.MatchRoot(attrUUIDsFile)),
	}
}

// ValidateConfig rejects flag combinations that cannot do what they say.
func (r *personDeletionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config personDeletionModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
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
		_, problems := readIDFile(file.value.ValueString(), file.byUUID)
		addIDFileProblems(path.Root(file.attr), file.value.ValueString(), problems, &resp.Diagnostics, true)
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

// addIDFileProblems reports the findings of readIDFile on attr.
func addIDFileProblems(attr path.Path, file string, problems idFileProblems, diags *diag.Diagnostics, withWarnings bool) {
	for _, msg := range problems.errors {
		diags.AddAttributeError(attr, "Invalid id file", fmt.Sprintf("%s: %s", file, msg))
	}
	if withWarnings {
		for _, msg := range problems.warnings {
			diags.AddAttributeWarning(attr, "Distinct ids with surrounding whitespace", fmt.Sprintf("%s: %s", file, msg))
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

// ModifyPlan fills in the plan-time preview for reviewers and plans an update
// when a deleted user has come back.
func (r *personDeletionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		resp.Diagnostics.AddWarning("Destroying a person deletion does not restore anyone",
			"Destroying posthog_person_deletion only removes it from Terraform state. The persons, events and recordings "+
				"it deleted stay deleted; PostHog deletions cannot be undone.")
		return
	}
	var plan personDeletionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	creating := req.State.Raw.IsNull()
	bulk := isBulk(plan)
	var state personDeletionModel
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if resp.Diagnostics.HasError() {
			return
		}
		keepComputedFromState(&plan, state)
		if !bulk && !isBulk(state) {
			warnAboutRemovedIDs(plan, state, &resp.Diagnostics)
		}
	}

	if plan.ProjectID.IsUnknown() {
		// Not configured here: the provider's project applies, if it has one.
		var configured types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("project_id"), &configured)...)
		if configured.IsNull() {
			plan.ProjectID = types.StringNull()
		}
	}

	request, known, diags := r.requestFromModel(plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	setRequested(&plan, request)
	if !creating && bulk {
		warnAboutFewerIDs(plan, state, &resp.Diagnostics)
	}

	changed := creating || flagsDiffer(plan, state) || byUUIDModel(plan) != byUUIDModel(state)
	if bulk || isBulk(state) {
		// The file form compares what is requested, not how it is written.
		changed = changed || !plan.RequestedDigest.Equal(state.RequestedDigest)
	} else {
		changed = changed || !plan.DistinctIDs.Equal(state.DistinctIDs) || !plan.UUIDs.Equal(state.UUIDs)
	}
	returning := !creating && !boolValue(state.KeepPerson) && remainingPersons(state) > 0
	waitNow := !creating && !bulk && boolValue(plan.WaitForEventsDeletion) && !boolValue(state.WaitForEventsDeletion) &&
		state.EventsDeletionStatus.ValueString() == eventsPending
	if !changed && !returning {
		if waitNow {
			plan.EventsDeletionStatus = types.StringUnknown()
			plan.EventsDeletionVerifiedAt = types.StringUnknown()
		}
		if waitNow || !plan.Reason.Equal(state.Reason) {
			plan.Evidence = types.StringUnknown()
		}
		fillSummaries(&plan)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	markApplyResultsUnknown(&plan)
	if !known || r.data == nil {
		// Ids or provider settings come from other resources: the preview waits for apply.
		plan.PreviewPersonCount = types.Int64Unknown()
		plan.PreviewPersonUUIDs = types.ListUnknown(types.StringType)
		plan.PreviewUnmatchedIDs = types.ListUnknown(types.StringType)
		plan.PreviewUnmatchedIDCount = types.Int64Unknown()
		fillSummaries(&plan)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	plan.ProjectID = types.StringValue(fmt.Sprint(request.projectID))
	if creating {
		plan.ID = types.StringValue(deletionID(request))
	}
	// Terraform plans again during apply, in a new provider process, and stops
	// the apply ("inconsistent final plan") when this preview has changed:
	// a reviewed plan that no longer matches PostHog deletes nothing.
	found, err := resolvePersons(ctx, r.data, request)
	if err != nil {
		resp.Diagnostics.AddError("Unable to preview the person deletion", err.Error())
		return
	}
	plan.PreviewPersonCount = types.Int64Value(int64(len(found.personUUIDs)))
	if bulk {
		plan.PreviewUnmatchedIDCount = types.Int64Value(int64(unmatchedCount(request.ids, found.matched)))
	} else {
		plan.PreviewPersonUUIDs = stringListValue(found.personUUIDs)
		plan.PreviewUnmatchedIDs = stringListValue(unmatchedAfter(request.ids, stringList(state.DistinctIDs), stringList(state.UUIDs),
			stringList(state.UnmatchedIDs), found.matched, creating))
	}
	fillSummaries(&plan)
	tflog.Info(ctx, "planned person deletion", map[string]any{
		"persons_matched": len(found.personUUIDs), "ids_requested": len(request.ids),
	})
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *personDeletionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan personDeletionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
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

	request, diags := r.knownRequest(plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(deletionID(request))
	plan.ProjectID = types.StringValue(fmt.Sprint(request.projectID))
	entry := r.apply(ctx, request, &plan, personDeletionModel{}, true, &resp.Diagnostics)
	fillSummaries(&plan)
	recordEvidence(&plan, request, types.StringNull(), &entry)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *personDeletionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state personDeletionModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
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

	request, diags := r.knownRequest(plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if isBulk(plan) {
		warnAboutFewerIDs(plan, state, &resp.Diagnostics)
	} else if !isBulk(state) {
		warnAboutRemovedIDs(plan, state, &resp.Diagnostics)
	}
	if !plan.DeletedPersonCount.IsUnknown() {
		// The plan deletes nothing (wait_for_events_deletion was switched on,
		// or an id file moved without changing its ids): only the
		// event-deletion status may change.
		if plan.EventsDeletionStatus.IsUnknown() {
			r.recordEventsDeletion(ctx, request, &plan, stringList(state.DeletedPersonUUIDs), true, &resp.Diagnostics)
		}
		fillSummaries(&plan)
		if plan.Evidence.IsUnknown() {
			// The reason or the event-deletion status changed: no new apply entry.
			recordEvidence(&plan, request, state.Evidence, nil)
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	entry := r.apply(ctx, request, &plan, state, false, &resp.Diagnostics)
	fillSummaries(&plan)
	recordEvidence(&plan, request, state.Evidence, &entry)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// apply runs the deletion and records in model exactly what happened, also
// when it fails part way: state never claims more than PostHog did. It
// returns the apply's entry for the evidence record.
func (r *personDeletionResource) apply(ctx context.Context, request deletionRequest, model *personDeletionModel, prior personDeletionModel, creating bool, diags *diag.Diagnostics) evidenceApply {
	started := time.Now()
	outcome, runErr := deleter{api: r.data}.run(ctx, request)
	entry := newApplyEvidence(*model, request, started, outcome, runErr)
	if isBulk(*model) {
		r.recordBulk(ctx, request, model, prior, outcome, runErr, diags)
		return entry
	}

	deleted := mergeSorted(stringList(prior.DeletedPersonUUIDs), outcome.deleted)
	model.DeletedPersonUUIDs = stringListValue(deleted)
	model.DeletedPersonCount = types.Int64Value(int64(len(deleted)))
	model.UnmatchedIDs = stringListValue(unmatchedAfter(request.ids, stringList(prior.DistinctIDs), stringList(prior.UUIDs),
		stringList(prior.UnmatchedIDs), outcome.matched, creating))
	switch {
	case len(outcome.deleted) > 0 || prior.DeletedAt.IsNull() || prior.DeletedAt.IsUnknown():
		model.DeletedAt = types.StringValue(time.Now().UTC().Format(time.RFC3339))
	default:
		model.DeletedAt = prior.DeletedAt
	}
	model.RemainingPersonUUIDs = stringListValue(nil)
	if request.keepPerson {
		model.RemainingPersonUUIDs = stringListValue(deleted)
	}
	r.recordEventsDeletion(ctx, request, model, deleted, runErr == nil, diags)

	if runErr != nil {
		lookupCtx, cancel := afterEndContext(ctx)
		defer cancel()
		if found, err := resolvePersons(lookupCtx, r.data, request); err == nil && !request.keepPerson {
			model.RemainingPersonUUIDs = stringListValue(found.personUUIDs)
		}
		summary := "Person deletion did not finish"
		if isContextEnd(runErr) {
			summary = "Person deletion was interrupted"
		}
		detail := fmt.Sprintf("%s.\n\nState records only the %d persons confirmed deleted. "+
			"Apply again to finish the request; persons already deleted are not touched again.", runErr, len(deleted))
		if creating {
			// A failed create is tainted, and its replacement cannot see this record.
			detail += "\n\nTerraform marks this new resource as tainted, so the next apply would replace it with a record " +
				"that no longer lists what this attempt deleted. To keep this record, run `terraform untaint` on this " +
				"resource first: the next plan then shows an update that deletes only the persons that remain."
		}
		diags.AddError(summary, detail)
		return entry
	}
	warnAboutUnmatched(request, len(stringList(model.UnmatchedIDs)), false, false, diags)
	return entry
}

// recordEventsDeletion sets events_deletion_status after an apply; with
// wait_for_events_deletion it waits for PostHog's verification first.
func (r *personDeletionResource) recordEventsDeletion(ctx context.Context, request deletionRequest, model *personDeletionModel, deleted []string, finished bool, diags *diag.Diagnostics) {
	model.EventsDeletionVerifiedAt = types.StringNull()
	if !request.deleteEvents {
		model.EventsDeletionStatus = types.StringValue(eventsNotRequested)
		return
	}
	lookupCtx := ctx
	if !finished {
		// The apply failed or ran out of time; still record the truth.
		var cancel context.CancelFunc
		lookupCtx, cancel = afterEndContext(ctx)
		defer cancel()
	}
	var (
		status, verifiedAt string
		err                error
	)
	if finished && boolValue(model.WaitForEventsDeletion) {
		status, verifiedAt, err = waitForEventsDeletion(ctx, r.data.client, request.projectID, deleted)
		if err == nil && status == eventsPending {
			diags.AddWarning("Event deletion is still pending",
				"PostHog had not verified the event deletion when the timeout ended. PostHog runs that job weekly; "+
					"events_deletion_status is refreshed on every plan.")
		}
	} else {
		status, verifiedAt, err = eventsDeletion(lookupCtx, r.data, request.projectID, deleted)
	}
	if err != nil {
		status = eventsPending
		diags.AddWarning("Could not read the event-deletion status", err.Error()+"; it is refreshed on the next plan.")
	}
	model.EventsDeletionStatus = types.StringValue(status)
	if verifiedAt != "" {
		model.EventsDeletionVerifiedAt = types.StringValue(verifiedAt)
	}
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
	if isBulk(state) {
		r.readBulk(ctx, &state, &resp.Diagnostics)
		fillSummaries(&state)
		if !resp.Diagnostics.HasError() {
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		}
		return
	}
	request, diags := r.knownRequest(state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	setRequested(&state, request)
	found, err := resolvePersons(ctx, r.data, request)
	if err != nil {
		resp.Diagnostics.AddError("Unable to refresh the person deletion", err.Error())
		return
	}
	state.RemainingPersonUUIDs = stringListValue(found.personUUIDs)
	if len(found.personUUIDs) > 0 && !request.keepPerson {
		tflog.Info(ctx, "persons exist again for the requested ids", map[string]any{"persons": len(found.personUUIDs)})
	}
	deleted := stringList(state.DeletedPersonUUIDs)
	if state.DeletedPersonCount.IsNull() {
		state.DeletedPersonCount = types.Int64Value(int64(len(deleted)))
		state.DeletedPersonUUIDs = stringListValue(deleted)
	}
	if state.UnmatchedIDs.IsNull() {
		state.UnmatchedIDs = stringListValue(nil)
	}
	if state.PreviewPersonCount.IsNull() {
		state.PreviewPersonCount = types.Int64Value(0)
		state.PreviewPersonUUIDs = stringListValue(nil)
		state.PreviewUnmatchedIDs = stringListValue(nil)
	}
	switch {
	case !request.deleteEvents:
		state.EventsDeletionStatus = types.StringValue(eventsNotRequested)
		state.EventsDeletionVerifiedAt = types.StringNull()
	default:
		status, verifiedAt, err := eventsDeletion(ctx, r.data, request.projectID, deleted)
		if err != nil {
			resp.Diagnostics.AddError("Unable to refresh the event-deletion status", err.Error())
			return
		}
		state.EventsDeletionStatus = types.StringValue(status)
		state.EventsDeletionVerifiedAt = types.StringNull()
		if verifiedAt != "" {
			state.EventsDeletionVerifiedAt = types.StringValue(verifiedAt)
		}
	}
	fillSummaries(&state)
	recordEvidence(&state, request, state.Evidence, nil)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
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
	parsed, err := parseImportID(req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import id", err.Error())
		return
	}
	projectID := parsed.projectID
	if projectID == 0 && r.data != nil {
		projectID = r.data.projectID
	}
	if projectID == 0 {
		resp.Diagnostics.AddError("Missing project id",
			"Prefix the import id with the project id (\"12345:distinct_ids:...\") or set project_id in the provider.")
		return
	}
	parsed.projectID = projectID
	model := personDeletionModel{
		ID:                       types.StringValue(deletionID(parsed)),
		ProjectID:                types.StringValue(fmt.Sprint(projectID)),
		DistinctIDs:              types.ListNull(types.StringType),
		UUIDs:                    types.ListNull(types.StringType),
		DistinctIDsFile:          types.StringNull(),
		UUIDsFile:                types.StringNull(),
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
		// The read that follows fills in the rest; the history before the
		// import is unknown to PostHog's API.
		Evidence: types.StringValue(encodeEvidence(evidenceRecord{
			FormatVersion: evidenceFormatVersion, Imported: true, Applies: []evidenceApply{},
		})),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "update": types.StringType,
		})},
	}
	if parsed.byUUID {
		model.UUIDs = stringListValue(parsed.ids)
		if r.data != nil {
			// A requested person that no longer exists was deleted; that much PostHog can tell.
			found, err := resolvePersons(ctx, r.data, parsed)
			if err != nil {
				resp.Diagnostics.AddError("Unable to import the person deletion", err.Error())
				return
			}
			model.DeletedPersonUUIDs = stringListValue(normalizedUnmatched(parsed, found))
		}
	} else {
		model.DistinctIDs = stringListValue(parsed.ids)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// requestFromModel decodes the request; known is false while ids or the
// project come from values not known until apply.
func (r *personDeletionResource) requestFromModel(m personDeletionModel) (deletionRequest, bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	request := deletionRequest{
		byUUID:           byUUIDModel(m),
		deleteEvents:     boolValue(m.DeleteEvents),
		deleteRecordings: boolValue(m.DeleteRecordings),
		keepPerson:       boolValue(m.KeepPerson),
	}
	if isBulk(m) {
		file, attr := m.DistinctIDsFile, attrDistinctIDsFile
		if request.byUUID {
			file, attr = m.UUIDsFile, attrUUIDsFile
		}
		if file.IsUnknown() {
			return request, false, diags
		}
		ids, problems := readIDFile(file.ValueString(), request.byUUID)
		addIDFileProblems(path.Root(attr), file.ValueString(), problems, &diags, false)
		if diags.HasError() {
			return request, false, diags
		}
		request.ids = ids
	} else {
		ids := m.DistinctIDs
		if request.byUUID {
			ids = m.UUIDs
		}
		if ids.IsUnknown() {
			return request, false, diags
		}
		for _, element := range ids.Elements() {
			if element.IsUnknown() {
				return request, false, diags
			}
		}
		request.ids = stringList(ids)
	}

	switch {
	case m.ProjectID.IsUnknown():
		return request, false, diags
	case !m.ProjectID.IsNull():
		id, err := parseProjectID(m.ProjectID.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("project_id"), "Invalid project id", err.Error())
		}
		request.projectID = id
	case r.data != nil && r.data.projectID != 0:
		request.projectID = r.data.projectID
	case r.data != nil:
		diags.AddAttributeError(path.Root("project_id"), "Missing PostHog project id",
			"Set project_id on this resource, in the provider block, or in the "+envProjectID+" environment variable.")
	default:
		return request, false, diags
	}
	return request, true, diags
}

// knownRequest decodes a request at apply or refresh time, when every value
// must be known.
func (r *personDeletionResource) knownRequest(m personDeletionModel) (deletionRequest, diag.Diagnostics) {
	request, known, diags := r.requestFromModel(m)
	if !known && !diags.HasError() {
		diags.AddError("Person deletion request not known",
			"The ids or the project id of this posthog_person_deletion are still unknown at apply time. "+
				"Please report this issue to the provider developers.")
	}
	return request, diags
}

func (r *personDeletionResource) requireClient(diags *diag.Diagnostics) bool {
	if r.data == nil {
		diags.AddError("Provider not configured",
			"The posthog provider has no usable configuration (host, api_key), so it cannot call PostHog.")
		return false
	}
	return true
}

// keepComputedFromState starts an update plan from the values in state; the
// plan then overrides what the apply will change.
func keepComputedFromState(plan *personDeletionModel, state personDeletionModel) {
	plan.ID = state.ID
	plan.PreviewPersonCount = state.PreviewPersonCount
	plan.PreviewPersonUUIDs = state.PreviewPersonUUIDs
	plan.PreviewUnmatchedIDs = state.PreviewUnmatchedIDs
	plan.PreviewUnmatchedIDCount = state.PreviewUnmatchedIDCount
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

func warnAboutRemovedIDs(plan, state personDeletionModel, diags *diag.Diagnostics) {
	previous := append(stringList(state.DistinctIDs), stringList(state.UUIDs)...)
	current := append(stringList(plan.DistinctIDs), stringList(plan.UUIDs)...)
	if plan.DistinctIDs.IsUnknown() || plan.UUIDs.IsUnknown() {
		return
	}
	removed := without(previous, current)
	if len(removed) == 0 {
		return
	}
	// The ids are not repeated: the plan shows them, and diagnostics are
	// logged at WARN level, where distinct ids must not appear.
	diags.AddWarning("Removed ids are not restored",
		fmt.Sprintf("%d ids were removed from the request (the plan shows which). This makes no API call: the persons deleted for them stay deleted, "+
			"and Terraform no longer watches whether they come back.", len(removed)))
}

// warnAboutUnmatched ends an apply with a summary of the requested ids that
// matched no person. It gives counts only: diagnostics are logged at WARN
// level, where distinct ids (often emails) must not appear.
func warnAboutUnmatched(request deletionRequest, unmatched int, bulk, laterApply bool, diags *diag.Diagnostics) {
	if unmatched == 0 {
		return
	}
	where := "They are listed in this resource's `unmatched_ids` attribute (`terraform state show`). "
	if bulk {
		where = "The bulk form keeps only their number (`unmatched_id_count`); look the file's ids up with the " +
			"`posthog_persons` data source to list them. "
		if laterApply {
			where += "After an earlier apply this number includes the ids whose persons that apply deleted. "
		}
	}
	diags.AddWarning("Requested ids matched no person",
		fmt.Sprintf("%d of the %d requested %s matched no person in project %d, so nothing was deleted for them. %s"+
			"An id matches no person when it is mistyped, when its person was deleted before, or when PostHog has not "+
			"ingested its events yet; if a person appears for it later, the next plan shows an update that deletes it.",
			unmatched, len(request.ids), request.idKind(), request.projectID, where))
}

// unmatchedAfter returns the requested ids that have never matched a person:
// new ids and ids that matched nothing before, minus those matched now.
func unmatchedAfter(ids, priorDistinctIDs, priorUUIDs, priorUnmatched []string, matched map[string]struct{}, creating bool) []string {
	prior := append(priorDistinctIDs, priorUUIDs...)
	var out []string
	for _, id := range ids {
		if _, ok := matched[id]; ok {
			continue
		}
		if creating || !slices.Contains(prior, id) || slices.Contains(priorUnmatched, id) {
			out = append(out, id)
		}
	}
	return out
}

// normalizedUnmatched returns the requested UUIDs that resolve to no person.
func normalizedUnmatched(r deletionRequest, found lookup) []string {
	var out []string
	for _, id := range found.unmatchedIDs(r.ids) {
		out = append(out, strings.ToLower(id))
	}
	sort.Strings(out)
	return out
}

// deletionID identifies a request by project, id kind and a digest of the ids.
func deletionID(r deletionRequest) string {
	keys := make([]string, len(r.ids))
	for i, id := range r.ids {
		keys[i] = r.key(id)
	}
	sort.Strings(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return fmt.Sprintf("%d:%s:%s", r.projectID, r.idKind(), hex.EncodeToString(sum[:8]))
}

func parseImportID(id string) (deletionRequest, error) {
	var request deletionRequest
	rest := id
	if head, tail, ok := strings.Cut(id, ":"); ok && head != "distinct_ids" && head != "uuids" {
		projectID, err := parseProjectID(head)
		if err != nil {
			return request, fmt.Errorf("%w in import id %q; expected [<project_id>:]distinct_ids:<id>,<id> or [<project_id>:]uuids:<uuid>,<uuid>", err, id)
		}
		request.projectID = projectID
		rest = tail
	}
	kind, list, ok := strings.Cut(rest, ":")
	if !ok || (kind != "distinct_ids" && kind != "uuids") || list == "" {
		return request, fmt.Errorf("import id %q must look like \"12345:distinct_ids:alice@example.com,bob\" or \"12345:uuids:<uuid>,<uuid>\" (the project id prefix is optional)", id)
	}
	request.byUUID = kind == "uuids"
	request.ids = strings.Split(list, ",")
	for _, entry := range request.ids {
		if strings.TrimSpace(entry) == "" {
			return request, fmt.Errorf("import id %q has an empty id; separate ids with single commas", id)
		}
		if request.byUUID && !canonicalUUID.MatchString(entry) {
			return request, fmt.Errorf("import id %q: %q is not a person UUID", id, entry)
		}
	}
	return request, nil
}

// afterEndContext gives a few seconds for recording the truth after ctx has
// been cancelled or has timed out.
func afterEndContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}

// flagsDiffer reports a change of the deletion flags; after an import they
// are null in state and the next apply takes them from configuration.
func flagsDiffer(plan, state personDeletionModel) bool {
	return !plan.DeleteEvents.Equal(state.DeleteEvents) || !plan.DeleteRecordings.Equal(state.DeleteRecordings) ||
		!plan.KeepPerson.Equal(state.KeepPerson)
}

func boolValue(v types.Bool) bool {
	return !v.IsNull() && !v.IsUnknown() && v.ValueBool()
}

// stringList returns the known string elements of a list (nil when null or unknown).
func stringList(list types.List) []string {
	if list.IsNull() || list.IsUnknown() {
		return nil
	}
	out := make([]string, 0, len(list.Elements()))
	for _, element := range list.Elements() {
		if s, ok := element.(types.String); ok && !s.IsNull() && !s.IsUnknown() {
			out = append(out, s.ValueString())
		}
	}
	return out
}

func stringListValue(values []string) types.List {
	elements := make([]attr.Value, len(values))
	for i, v := range values {
		elements[i] = types.StringValue(v)
	}
	return types.ListValueMust(types.StringType, elements)
}

// mergeSorted returns the sorted union of two id lists.
func mergeSorted(a, b []string) []string {
	seen := make(map[string]struct{}, len(a)+len(b))
	out := make([]string, 0, len(a)+len(b))
	for _, id := range append(slices.Clone(a), b...) {
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
