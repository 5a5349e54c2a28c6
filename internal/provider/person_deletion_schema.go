package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// personDeletionSchema is posthog_person_deletion's schema; its descriptions
// become the registry page.
func personDeletionSchema(ctx context.Context) schema.Schema {
	replaceFlag := []planmodifier.Bool{replaceUnlessImported()}
	return schema.Schema{
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
					"Exactly one of `distinct_ids`, `uuids`, `emails`, `distinct_ids_file`, `uuids_file`, `tickets_file`, `distinct_ids_wo` and `uuids_wo` must be set. Adding ids deletes their persons in place; " +
					"removing ids makes no API call. An empty list deletes nothing (the plan warns). For more than a few hundred ids use `distinct_ids_file`.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.ValueStringsAre(distinctIDValidator{}),
					uniqueIDsValidator{},
				},
			},
			"uuids": schema.ListAttribute{
				MarkdownDescription: "The UUIDs of the persons to delete, as shown in PostHog. " +
					"Exactly one of `distinct_ids`, `uuids`, `emails`, `distinct_ids_file`, `uuids_file`, `tickets_file`, `distinct_ids_wo` and `uuids_wo` must be set. For more than a few hundred ids use `uuids_file`.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.ValueStringsAre(personUUIDValidator{}),
					uniqueIDsValidator{foldCase: true},
				},
			},
			"emails": schema.ListAttribute{
				MarkdownDescription: "The emails whose persons are deleted: every person whose `email` person property equals one of " +
					"them. Use it when the request names people by email and your product sends other distinct ids to PostHog. " +
					"Matching is exact, letter case included, as PostHog compares property values; list each spelling that your " +
					"product may have stored (the plan shows which emails match no person). One email may match several persons. " +
					"The request stays stated in emails, so a person who later appears with one of them is found by the next plan " +
					"and deleted again. Exactly one of the id arguments must be set.",
				ElementType: types.StringType,
				Optional:    true,
				Validators: []validator.List{
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
					uniqueIDsValidator{},
				},
			},
			attrDistinctIDsWO: schema.ListAttribute{
				MarkdownDescription: "The write-only form of `distinct_ids` (Terraform 1.11 and later): the ids are read from the " +
					"configuration at every plan and apply and never written to the plan or state, which hold only `requested_count`, " +
					"`requested_digest` and counts, as in the file form. Because a refresh cannot see them, every plan looks the ids up " +
					"to find deleted users who came back. Changing them shows as a change of `requested_count` and `requested_digest`. " +
					"Feed them from a source that is not itself kept in state (a variable, a file read with `file()`, an ephemeral value).",
				ElementType: types.StringType,
				Optional:    true,
				WriteOnly:   true,
				Validators: []validator.List{
					listvalidator.ValueStringsAre(distinctIDValidator{}),
					uniqueIDsValidator{},
				},
			},
			attrUUIDsWO: schema.ListAttribute{
				MarkdownDescription: "The write-only form of `uuids` (Terraform 1.11 and later), as for `distinct_ids_wo`.",
				ElementType:         types.StringType,
				Optional:            true,
				WriteOnly:           true,
				Validators: []validator.List{
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
			attrTicketsFile: schema.StringAttribute{
				MarkdownDescription: "Many erasure tickets in one resource: the path of a JSON file that maps each ticket to its distinct " +
					"ids, such as `{\"GDPR-1041\": [\"alice@example.com\", \"u-123\"], \"GDPR-1042\": [\"bob\"]}`, read by the provider " +
					"at every plan and apply. It is the file form (plan and state hold the path, counts and digests, never the ids; every " +
					"lookup and `bulk_delete` is shared by all tickets, in full batches) with a ticket for every id: the plan lists in " +
					"`preview_tickets` and in its warning the tickets it deletes persons for, and the evidence keeps a record per ticket " +
					"under `tickets`. Add a ticket by adding it to the file: the next apply deletes its persons in place. Removing a " +
					"ticket makes no API call and keeps its record. An id may belong to several tickets. Use it instead of one resource " +
					"per ticket once a repository holds thousands of tickets (see the guide \"Thousands of erasure tickets\"). " +
					"Ticket names are shown in plans and kept in the evidence: use references such as issue keys, never personal data.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"preview_tickets": schema.MapAttribute{
				MarkdownDescription: "With `tickets_file`: the tickets this plan shows, with how many persons each ticket's ids " +
					"resolve to now. Listed are the tickets whose ids match a person (new tickets, or deleted users who came back) and " +
					"the tickets no apply has recorded yet (also with 0); tickets done earlier whose ids match nobody are left out. " +
					"Null in the other forms.",
				ElementType: types.Int64Type,
				Computed:    true,
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
					"The apply deletes whatever the ids match at apply time and records it in `deleted_person_uuids`. Null in the file form (`distinct_ids_file`, `uuids_file`) and with write-only ids (`distinct_ids_wo`, `uuids_wo`).",
				ElementType: types.StringType,
				Computed:    true,
			},
			"preview_unmatched_ids": schema.ListAttribute{
				MarkdownDescription: "The requested ids that matched no person when the plan was made (ids deleted by an earlier apply are not repeated here). Null in the file form (`distinct_ids_file`, `uuids_file`) and with write-only ids (`distinct_ids_wo`, `uuids_wo`).",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"preview_unmatched_id_count": schema.Int64Attribute{
				MarkdownDescription: "How many requested ids matched no person when the plan was made: the length of `preview_unmatched_ids`. " +
					"In the file form it counts the requested ids that match no person at plan time and did not match in an earlier " +
					"apply either: ids whose persons an earlier apply deleted are not counted (the provider remembers them as hashes " +
					"in the resource's private state, never as ids).",
				Computed: true,
			},
			"deleted_person_count": schema.Int64Attribute{
				MarkdownDescription: "How many persons this resource has deleted, over all its applies. PostHog gives a user who comes back the " +
					"same UUID, so a person deleted again counts once here (and is listed once in `deleted_person_uuids`); each " +
					"apply's entry in `evidence` records its own deletions.",
				Computed: true,
			},
			"deleted_person_uuids": schema.ListAttribute{
				MarkdownDescription: "The UUIDs of the persons this resource has deleted and verified gone, over all its applies, sorted. " +
					"With `keep_person`, the persons whose events or recordings were queued for deletion. Null in the file form (`distinct_ids_file`, `uuids_file`) and with write-only ids (`distinct_ids_wo`, `uuids_wo`).",
				ElementType: types.StringType,
				Computed:    true,
			},
			"deleted_person_uuids_digest": schema.StringAttribute{
				MarkdownDescription: "File form and write-only ids only (null in the list form, where `deleted_person_uuids` is kept): the sha256 (hex) of the " +
					"UUIDs the first apply deleted, lower case, sorted and joined by newlines. A later apply that deletes more persons " +
					"replaces it with the sha256 of the previous digest followed by a newline and its own UUIDs, sorted and joined by " +
					"newlines. With `keep_person`, the digest of the persons queued by the last apply.",
				Computed: true,
			},
			"unmatched_ids": schema.ListAttribute{
				MarkdownDescription: "The requested ids that have matched no person in any apply of this resource. Null in the file form (`distinct_ids_file`, `uuids_file`) and with write-only ids (`distinct_ids_wo`, `uuids_wo`).",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"unmatched_id_count": schema.Int64Attribute{
				MarkdownDescription: "How many requested ids matched no person: the length of `unmatched_ids`. In the file form, the requested " +
					"ids that matched no person during the last apply nor in an earlier one, so appending ids to an applied file reports " +
					"only new ids that match nobody.",
				Computed: true,
			},
			"remaining_person_uuids": schema.ListAttribute{
				MarkdownDescription: "The persons the requested ids resolve to now, refreshed on every plan. Empty after a deletion; " +
					"a non-empty value means a deleted user has come back, and the plan shows an update that deletes them again " +
					"(with `keep_person`, it lists the kept persons). Null in the file form (`distinct_ids_file`, `uuids_file`) and with write-only ids (`distinct_ids_wo`, `uuids_wo`).",
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
				MarkdownDescription: "When the last apply that deleted persons finished (RFC 3339); null until an apply has deleted someone.",
				Computed:            true,
			},
			"events_deletion_status": schema.StringAttribute{
				MarkdownDescription: "The state of the event deletion, refreshed from PostHog's `deletion_status`: " +
					"`not_requested` (`delete_events` is false), `none` (no person was deleted), `pending` (queued, waiting for " +
					"PostHog's weekly job), `completed` (PostHog verified it for every deleted person) or `incomplete` (verified, " +
					"but for a returning user deleted again while an earlier event deletion of theirs was pending, PostHog kept " +
					"that earlier request and queued nothing new, so their events captured since stay; the apply warned, and the " +
					"evidence lists them under `events_not_queued`).",
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
					"Decode it with `jsondecode`. In the file form it is updated by applies only. It is marked sensitive: it " +
					"names the requested ids that matched no person (often emails) and the deleted persons, and a plan that " +
					"changes it would otherwise print the whole earlier record as removed; an output of it needs `sensitive = true`, " +
					"and `terraform output -json` prints it.",
				Computed:  true,
				Sensitive: true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}
