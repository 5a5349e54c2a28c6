package deletion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// The tickets form: one posthog_person_deletion holds many erasure tickets,
// read from a JSON file that maps each ticket to its distinct ids, such as
// {"GDPR-1041": ["alice@example.com", "u-123"], "GDPR-1042": ["bob"]}. It is
// the file form (state keeps counts and digests; every lookup and
// bulk_delete is shared by all tickets, in full batches) plus a ticket for
// every id, so that plans and the evidence speak per ticket. One resource
// per ticket cannot batch across tickets while it applies: Terraform hands
// the provider at most -parallelism instances at once (DESIGN.md).

// Tickets maps each requested id to the tickets that ask for it, and keeps
// the tickets' ids.
type Tickets struct {
	names []string            // sorted
	ids   map[string][]string // ticket -> its ids, as in the file
	of    map[string][]string // id -> its tickets, sorted
}

// Names returns the tickets, sorted.
func (t *Tickets) Names() []string {
	if t == nil {
		return nil
	}
	return t.names
}

// IDs returns the ids of one ticket.
func (t *Tickets) IDs(ticket string) []string { return t.ids[ticket] }

// Of returns the tickets that ask for id.
func (t *Tickets) Of(id string) []string { return t.of[id] }

// maxTicketNameLength bounds a ticket's name: it is a reference such as an
// issue key, shown in plans and kept in the evidence.
const maxTicketNameLength = 200

// ReadTicketsFile reads a tickets file; the ids are the union of every
// ticket's distinct ids, in the order of the sorted tickets.
func ReadTicketsFile(path string) ([]string, *Tickets, IDFileProblems) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, IDFileProblems{Errors: []string{fmt.Sprintf("Cannot read the tickets file: %v. Paths are "+
			"relative to the directory Terraform runs in; use \"${path.module}/<file>\" for a file next to the "+
			"configuration.", err)}}
	}
	return ParseTicketsFile(data)
}

// ParseTicketsFile is ReadTicketsFile on the file's content. Errors name
// the tickets at fault (ticket names are references, not personal data;
// distinct ids are never named).
func ParseTicketsFile(data []byte) ([]string, *Tickets, IDFileProblems) {
	var problems IDFileProblems
	var raw map[string][]string
	decoder := json.NewDecoder(bytes.NewReader(data))
	if err := decoder.Decode(&raw); err != nil || decoder.More() {
		problems.Errors = append(problems.Errors, "The tickets file must be one JSON object that maps each ticket to "+
			"a list of distinct ids, such as {\"GDPR-1041\": [\"alice@example.com\", \"u-123\"]}.")
		return nil, nil, problems
	}
	tickets := &Tickets{ids: make(map[string][]string, len(raw)), of: map[string][]string{}}
	var emptyName, longName, noIDs, blank, repeated, padded lineList
	for name, ids := range raw {
		switch {
		case strings.TrimSpace(name) == "":
			emptyName.add(fmt.Sprintf("%q", name))
			continue
		case len(name) > maxTicketNameLength || strings.ContainsAny(name, "\n\r\t"):
			longName.add(fmt.Sprintf("%q", truncate(name, 40)))
			continue
		case ids == nil:
			noIDs.add(fmt.Sprintf("%q", name))
			continue
		}
		seen := map[string]bool{}
		for _, id := range ids {
			switch {
			case strings.TrimSpace(id) == "":
				blank.add(fmt.Sprintf("%q", name))
				continue
			case seen[id]:
				repeated.add(fmt.Sprintf("%q", name))
				continue
			case strings.TrimSpace(id) != id:
				padded.add(fmt.Sprintf("%q", name))
			}
			seen[id] = true
			tickets.ids[name] = append(tickets.ids[name], id)
			tickets.of[id] = append(tickets.of[id], name)
		}
		if tickets.ids[name] == nil {
			tickets.ids[name] = []string{}
		}
		tickets.names = append(tickets.names, name)
	}
	slices.Sort(tickets.names)
	for _, names := range tickets.of {
		slices.Sort(names)
	}
	problems.addTicketErrors(emptyName, "tickets have an empty name", "Give every ticket a name.")
	problems.addTicketErrors(longName, fmt.Sprintf("ticket names are longer than %d characters or hold a line "+
		"break or tab", maxTicketNameLength), "Use the ticket's reference, such as GDPR-1041.")
	problems.addTicketErrors(noIDs, "tickets have null instead of a list of distinct ids", "Use [] for a ticket without ids.")
	problems.addTicketErrors(blank, "tickets hold an empty or whitespace-only distinct id", "Remove it.")
	problems.addTicketErrors(repeated, "tickets list the same distinct id twice", "Remove the repeats.")
	if padded.total > 0 {
		problems.Warnings = append(problems.Warnings, fmt.Sprintf("%d tickets hold distinct ids that start or end with "+
			"whitespace (%s). PostHog matches distinct ids exactly, so these only match persons whose distinct id has "+
			"the same whitespace.", padded.total, padded.String()))
	}
	if len(problems.Errors) > 0 {
		return nil, nil, problems
	}
	return tickets.IDsOf(tickets.names), tickets, problems
}

func (p *IDFileProblems) addTicketErrors(list lineList, what, fix string) {
	if list.total > 0 {
		p.Errors = append(p.Errors, fmt.Sprintf("%d %s: %s. %s", list.total, what, list.String(), fix))
	}
}

// ticketDigestKeys are the lines requested_digest hashes in the tickets
// form: "<ticket>\t<id>", so that moving an id to another ticket changes
// the request (and the evidence follows).
func (t *Tickets) digestKeys() []string {
	var keys []string
	for _, name := range t.names {
		for _, id := range t.ids[name] {
			keys = append(keys, name+"\t"+id)
		}
	}
	return keys
}

// TicketPreview is what a plan shows of one ticket: its persons now.
type TicketPreview struct {
	Ticket    string
	IDs       int
	Persons   int // persons its ids resolve to now
	Unmatched int // its ids that resolve to nobody now
}

// PreviewTickets returns, per ticket, what its ids resolve to now.
func PreviewTickets(t *Tickets, found Lookup) []TicketPreview {
	out := make([]TicketPreview, 0, len(t.Names()))
	for _, name := range t.Names() {
		p := TicketPreview{Ticket: name, IDs: len(t.ids[name])}
		persons := map[string]bool{}
		for _, id := range t.ids[name] {
			if uuid, ok := found.PersonOf[id]; ok {
				persons[uuid] = true
			} else {
				p.Unmatched++
			}
		}
		p.Persons = len(persons)
		out = append(out, p)
	}
	return out
}

// TicketEvidence is the evidence of one ticket, kept across applies (and
// after the ticket leaves the file: the record of what was done stays).
type TicketEvidence struct {
	RequestedCount int    `json:"requested_count"`
	IDsDigest      string `json:"ids_digest"`
	FirstAppliedAt string `json:"first_applied_at"`
	LastAppliedAt  string `json:"last_applied_at"`
	// PersonsDeleted counts the persons its ids resolved to that applies
	// deleted (a person asked for by two tickets counts in both).
	PersonsDeleted int `json:"persons_deleted"`
	// UnmatchedIDCount is how many of its ids had never matched a person
	// when an apply last looked its ids up as new or changed.
	UnmatchedIDCount int `json:"unmatched_id_count"`
}

// ticketUpdate is what one apply learnt about one ticket.
type ticketUpdate struct {
	requested int
	digest    string
	unmatched int
	deleted   int
}

// ticketUpdates works out, for every ticket of the request, what the apply
// did for it: the persons its ids resolved to that the apply deleted, and
// its ids that have never matched a person (history holds the ids matched
// by this apply and earlier ones).
func ticketUpdates(req Request, outcome Outcome, history IDHistory) map[string]ticketUpdate {
	t := req.Tickets
	out := make(map[string]ticketUpdate, len(t.Names()))
	deleted := setOf(outcome.Deleted)
	for _, name := range t.Names() {
		ids := t.ids[name]
		update := ticketUpdate{requested: len(ids), digest: DigestOf(slices.Clone(ids))}
		persons := map[string]bool{}
		for _, id := range ids {
			if !history.Has(req, id) {
				update.unmatched++
			}
			if uuid, ok := outcome.PersonOf[id]; ok {
				if _, gone := deleted[uuid]; gone {
					persons[uuid] = true
				}
			}
		}
		update.deleted = len(persons)
		out[name] = update
	}
	return out
}

// mergeTickets adds one apply's updates, finished at at, to the per-ticket
// evidence: a ticket is recorded when an apply first looks up its ids (or
// its ids change), and again whenever an apply deletes persons for it. It
// returns the evidence and, for the apply's entry, the tickets recorded with
// the persons deleted for each.
func mergeTickets(prior map[string]TicketEvidence, updates map[string]ticketUpdate, at string) (map[string]TicketEvidence, map[string]int) {
	out := make(map[string]TicketEvidence, len(prior)+len(updates))
	for name, entry := range prior {
		out[name] = entry
	}
	recorded := map[string]int{}
	for name, update := range updates {
		entry, known := out[name]
		changed := !known || entry.IDsDigest != update.digest
		if !changed && update.deleted == 0 {
			continue
		}
		if !known {
			entry.FirstAppliedAt = at
		}
		if changed {
			entry.RequestedCount, entry.IDsDigest, entry.UnmatchedIDCount = update.requested, update.digest, update.unmatched
		}
		entry.LastAppliedAt = at
		entry.PersonsDeleted += update.deleted
		out[name] = entry
		recorded[name] = update.deleted
	}
	return out, recorded
}

// IDsOf returns the ids of the named tickets, each once, in ticket order.
func (t *Tickets) IDsOf(names []string) []string {
	out := []string{}
	added := map[string]bool{}
	for _, name := range names {
		for _, id := range t.ids[name] {
			if !added[id] {
				added[id] = true
				out = append(out, id)
			}
		}
	}
	return out
}

// Unrecorded returns the tickets the evidence (the record in state) has no
// record of with their current ids: new tickets, and tickets whose ids
// changed.
func (t *Tickets) Unrecorded(evidence string) []string {
	record, _ := ParseEvidence(evidence)
	var out []string
	for _, name := range t.names {
		recorded, ok := record.Tickets[name]
		if !ok || recorded.IDsDigest != DigestOf(slices.Clone(t.ids[name])) {
			out = append(out, name)
		}
	}
	return out
}

// TicketsToReview are the tickets a plan shows: those whose ids resolve to
// a person now (new tickets, or deleted users who came back), and those no
// apply has recorded yet (evidence is the record in state, "" on create).
// Tickets done earlier whose ids match nobody are left out, so that adding
// one ticket to thousands shows one line.
func TicketsToReview(t *Tickets, found Lookup, evidence string) []TicketPreview {
	unrecorded := map[string]bool{}
	for _, name := range t.Unrecorded(evidence) {
		unrecorded[name] = true
	}
	var out []TicketPreview
	for _, p := range PreviewTickets(t, found) {
		if p.Persons > 0 || unrecorded[p.Ticket] {
			out = append(out, p)
		}
	}
	return out
}
