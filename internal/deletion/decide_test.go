package deletion

import "testing"

func TestDecide(t *testing.T) {
	reason := func(s string) *string { return &s }
	list := Request{ProjectID: 1, IDs: []string{"alice", "bob"}, DeleteEvents: true}
	file := Request{ProjectID: 1, File: true, IDs: []string{"alice", "bob"}, DeleteEvents: true}
	applied := func(r Request) *Current {
		return &Current{Request: r, FlagsKnown: true, Digest: r.Digest(), EventsStatus: EventsPending, Reason: reason("GDPR-1")}
	}
	with := func(c *Current, change func(*Current)) *Current { copied := *c; change(&copied); return &copied }
	desire := func(r Request, change func(*Desired)) Desired {
		d := Desired{Request: r, Known: true, Reason: reason("GDPR-1")}
		if change != nil {
			change(&d)
		}
		return d
	}
	reordered := list
	reordered.IDs = []string{"bob", "alice"}
	fewer := list
	fewer.IDs = []string{"alice"}
	otherFile := file
	otherFile.IDs = []string{"bob", "alice"} // the same set, written in another order
	grown := file
	grown.IDs = []string{"alice", "bob", "carol"}
	asFile := list
	asFile.File = true
	byUUID := list
	byUUID.ByUUID = true
	keep := list
	keep.KeepPerson = true

	for _, tc := range []struct {
		name    string
		current *Current
		desired Desired
		want    Action
	}{
		{"create", nil, desire(list, nil), Delete},
		{"nothing changed", applied(list), desire(list, nil), NoOp},
		{"ids not known until apply", applied(list), desire(list, func(d *Desired) { d.Known = false }), Delete},
		{"a list reordered", applied(list), desire(reordered, nil), Delete},
		{"ids removed", applied(list), desire(fewer, nil), Delete},
		{"a file rewritten with the same ids", applied(file), desire(otherFile, nil), NoOp},
		{"a file with more ids", applied(file), desire(grown, nil), Delete},
		{"list form to file form, same ids", applied(list), desire(asFile, nil), NoOp},
		{"distinct ids to uuids", applied(list), desire(byUUID, nil), Delete},
		{"a flag changed", applied(list), desire(keep, nil), Delete},
		{"flags unknown after import", with(applied(list), func(c *Current) { c.FlagsKnown = false }), desire(list, nil), Delete},
		{"a returning user", with(applied(list), func(c *Current) { c.RemainingPersons = 1 }), desire(list, nil), Delete},
		{"kept persons are no returning users", with(applied(keep), func(c *Current) { c.RemainingPersons = 2 }), desire(keep, nil), NoOp},
		{"only the reason changed", applied(list), desire(list, func(d *Desired) { d.Reason = reason("GDPR-2") }), RecordReason},
		{"a reason added", with(applied(list), func(c *Current) { c.Reason = nil }), desire(list, nil), RecordReason},
		{"a reason removed", applied(list), desire(list, func(d *Desired) { d.Reason = nil }), RecordReason},
		{"wait switched on while pending", applied(list), desire(list, func(d *Desired) { d.WaitForEvents = true }), RefreshEvents},
		{"wait switched on when completed", with(applied(list), func(c *Current) { c.EventsStatus = EventsCompleted }),
			desire(list, func(d *Desired) { d.WaitForEvents = true }), NoOp},
		{"wait switched on in the file form", applied(file), desire(file, func(d *Desired) { d.WaitForEvents = true }), NoOp},
		{"wait already on", with(applied(list), func(c *Current) { c.WaitForEvents = true }),
			desire(list, func(d *Desired) { d.WaitForEvents = true }), NoOp},
	} {
		if got := Decide(tc.current, tc.desired); got != tc.want {
			t.Errorf("%s: Decide = %v, want %v", tc.name, got, tc.want)
		}
	}
}
