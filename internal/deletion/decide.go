package deletion

import "slices"

// Action is what a plan (and the apply that follows it) does with a
// posthog_person_deletion.
type Action int

const (
	// NoOp: nothing to do; the plan keeps state as it is.
	NoOp Action = iota
	// RecordReason: only the reason changed; state and evidence record it,
	// with no API call.
	RecordReason
	// RefreshEvents: wait_for_events_deletion was switched on while the
	// event deletion is pending; the apply waits for it, deleting nothing.
	RefreshEvents
	// Delete: the request is new or changed, or a deleted user has come back;
	// the apply resolves the ids and deletes what they match.
	Delete
)

func (a Action) String() string {
	return [...]string{"no-op", "record reason", "refresh events", "delete"}[a]
}

// Desired is the request as planned from configuration.
type Desired struct {
	Request Request
	// Known is false while ids or flags come from values not known until
	// apply; the plan then has to delete.
	Known         bool
	WaitForEvents bool
	Reason        *string
	// ResolvedNow, when set, is how many persons the ids resolve to now; it
	// stands in for Current.RemainingPersons where no refresh could look
	// (write-only ids live in the configuration only).
	ResolvedNow *int64
}

// Current is what state holds of the request, before the plan.
type Current struct {
	Request Request // IDs only in the list form
	// FlagsKnown is false after an import: PostHog cannot tell which flags
	// were used, and the first apply adopts the configured ones.
	FlagsKnown       bool
	Digest           string // requested_digest
	RemainingPersons int64  // persons the ids resolved to at the last refresh
	EventsStatus     string
	WaitForEvents    bool
	Reason           *string
}

// Decide works out what to do, from state and the plan's request. The
// resource's ModifyPlan and its Update both call it with the same values, so
// the apply does what the reviewed plan said. current is nil on create.
func Decide(current *Current, desired Desired) Action {
	if current == nil || !desired.Known || requestChanged(*current, desired.Request) {
		return Delete
	}
	remaining := current.RemainingPersons
	if desired.ResolvedNow != nil {
		remaining = *desired.ResolvedNow
	}
	if !current.Request.KeepPerson && remaining > 0 {
		// A deleted user has come back.
		return Delete
	}
	if desired.WaitForEvents && !current.WaitForEvents && !desired.Request.Compact() && current.EventsStatus == EventsPending {
		return RefreshEvents
	}
	if !sameReason(current.Reason, desired.Reason) {
		return RecordReason
	}
	return NoOp
}

// requestChanged reports a change of what is requested: flags, id kind, or
// the ids (as a set in the file form, as a list in the list form).
func requestChanged(current Current, desired Request) bool {
	was := current.Request
	if !current.FlagsKnown || was.DeleteEvents != desired.DeleteEvents ||
		was.DeleteRecordings != desired.DeleteRecordings || was.KeepPerson != desired.KeepPerson {
		return true
	}
	if was.ByUUID != desired.ByUUID {
		return true
	}
	if was.Compact() || desired.Compact() {
		// The file form compares what is requested, not how it is written.
		return current.Digest != desired.Digest()
	}
	return !slices.Equal(was.IDs, desired.IDs)
}

func sameReason(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
