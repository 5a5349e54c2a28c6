package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
)

// Private-state keys of the compact forms' deletion.IDHistory: the ids
// that matched, and the persons deleted, in earlier applies.
const (
	privateMatchedIDs     = "matched_ids"
	privateDeletedPersons = "deleted_persons"
)

// privateState is the part of the framework's private state a request
// carries.
type privateState interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// privateWriter is the part of the framework's private state a response
// carries.
type privateWriter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// priorHistories are the compact forms' records of earlier applies. After
// a switch from the list form they start from what the list form kept.
func priorHistories(ctx context.Context, private privateState, state personDeletionModel, creating bool,
	diags *diag.Diagnostics) (matched, deleted deletion.IDHistory) {
	if creating {
		return deletion.IDHistory{}, deletion.IDHistory{}
	}
	if !state.isCompact() {
		request := deletion.Request{ByUUID: state.byUUID()}
		ids := map[string]struct{}{}
		for _, id := range deletion.RemovedIDs(state.listIDs(), stringList(state.UnmatchedIDs)) {
			ids[id] = struct{}{}
		}
		persons := map[string]struct{}{}
		for _, id := range stringList(state.DeletedPersonUUIDs) {
			persons[id] = struct{}{}
		}
		return deletion.IDHistory{}.With(request, ids), deletion.IDHistory{}.With(deletion.Request{ByUUID: true}, persons)
	}
	read := func(key string) deletion.IDHistory {
		data, getDiags := private.GetKey(ctx, key)
		diags.Append(getDiags...)
		return deletion.ParseIDHistory(data)
	}
	return read(privateMatchedIDs), read(privateDeletedPersons)
}

// saveHistories keeps a compact-form apply's histories in private state.
func saveHistories(ctx context.Context, private privateWriter, request deletion.Request, applied deletion.Applied, diags *diag.Diagnostics) {
	if !request.Compact() {
		return
	}
	diags.Append(private.SetKey(ctx, privateMatchedIDs, applied.History.Encode())...)
	diags.Append(private.SetKey(ctx, privateDeletedPersons, applied.Deleted.Encode())...)
}
