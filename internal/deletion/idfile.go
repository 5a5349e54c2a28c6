package deletion

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// The file form of a request: the ids come from a file with one id per line,
// read by the provider, and plan and state carry only counts and digests.
// Terraform handles a list of 10,000 strings in seconds and a list of 100,000
// in minutes, with hundreds of MB in the plugin; a path costs nothing.

// maxReportedLines bounds how many line numbers one message names.
const maxReportedLines = 10

// IDFileProblems are the findings of reading an id file, as messages that
// name line numbers (1-based).
type IDFileProblems struct {
	Errors   []string
	Warnings []string
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

// ReadIDFile reads one id per line. Empty lines (and so a trailing newline)
// are skipped and a trailing "\r" is dropped; whitespace-only lines,
// duplicates and, for UUIDs, anything but the canonical 36-character form
// are errors that name their line numbers. UUIDs are compared
// case-insensitively, as PostHog does.
func ReadIDFile(path string, byUUID bool) ([]string, IDFileProblems) {
	var problems IDFileProblems
	data, err := os.ReadFile(path)
	if err != nil {
		problems.Errors = append(problems.Errors, fmt.Sprintf("Cannot read the id file: %v. Paths are relative to the "+
			"directory Terraform runs in; use \"${path.module}/<file>\" for a file next to the configuration.", err))
		return nil, problems
	}
	// An empty file is an empty request: it deletes nothing, and the plan
	// says so, so that a generated file may be empty for a while.
	return ParseIDFile(data, byUUID)
}

// parseIDFile is ReadIDFile on the file's content.
func ParseIDFile(data []byte, byUUID bool) ([]string, IDFileProblems) {
	var problems IDFileProblems
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
		case byUUID && !CanonicalUUID.MatchString(entry):
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
		problems.Errors = append(problems.Errors, fmt.Sprintf("%d lines hold only whitespace, an empty %s: line %s. "+
			"Remove them (empty lines are skipped).", blank.total, kind, blank.String()))
	}
	if invalid.total > 0 {
		problems.Errors = append(problems.Errors, fmt.Sprintf("%d lines are not person UUIDs in the 36-character form "+
			"shown in PostHog (such as 0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b): %s.", invalid.total, invalid.String()))
	}
	if duplicate.total > 0 {
		problems.Errors = append(problems.Errors, fmt.Sprintf("%d lines repeat an earlier %s: line %s. Remove the repeats.",
			duplicate.total, kind, duplicate.String()))
	}
	if padded.total > 0 {
		problems.Warnings = append(problems.Warnings, fmt.Sprintf("%d distinct ids start or end with whitespace (line %s). "+
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
