package posthog

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text that PostHog (or whatever answers in its place) sends back ends up in
// errors, and errors end up in Terraform's diagnostics, logs and state. A
// server can echo the API key, send ANSI escapes that rewrite a terminal, or
// send a megabyte of detail. Every piece of server text that goes into an
// error passes through redactor.serverText; the error builders in errors.go
// and the few other places that quote the server call it, and nothing else
// does this job.

// maxServerText is the longest piece of server text quoted in an error.
const maxServerText = 300

// maxServerInput is how much of a server text is cleaned at all.
const maxServerInput = 64 << 10

// redactor knows the secrets of one client (its API key) and cleans text
// before it is quoted.
type redactor struct {
	secrets []string
}

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if s = strings.TrimSpace(s); s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// serverText makes server-provided text safe to quote: terminal escape
// sequences and control characters removed, line breaks turned into spaces
// (a diagnostic is one message, not a page the server lays out), secrets
// masked, runs of spaces collapsed, and the result cut to maxServerText
// characters, saying so. Masking comes after the controls are gone (a key
// broken up by escapes is still found) and before the cut (a cut never
// leaves half a key).
func (r redactor) serverText(s string) string {
	return r.clean(s, maxServerText)
}

// clean is serverText with another length limit.
func (r redactor) clean(s string, limit int) string {
	// Cleaning megabytes to keep 300 characters is waste. The piece cut off
	// here could end in half a secret, so a secret's length more goes.
	left := ""
	if len(s) > maxServerInput {
		s, left = s[:maxServerInput-r.longestSecret()], "more than 64 KiB"
	}
	s = stripControls(s)
	s = r.mask(s)
	s = strings.Join(strings.Fields(s), " ")
	if n := utf8.RuneCountInString(s); n > limit {
		i := 0
		for range limit {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
		if left == "" {
			left = fmt.Sprintf("%d more characters", n-limit)
		}
		s = s[:i]
	}
	if left != "" {
		s += fmt.Sprintf("… (cut: %s)", left)
	}
	return s
}

func (r redactor) longestSecret() int {
	n := 0
	for _, s := range r.secrets {
		n = max(n, len(s))
	}
	return min(n, maxServerInput/2)
}

// mask replaces every secret in s.
func (r redactor) mask(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "(redacted)")
	}
	return s
}

// escapeSequenceRE matches ANSI/VT escape sequences: CSI (ESC [ … final),
// OSC (ESC ] … BEL or ESC \) and two-character escapes, plus the 8-bit CSI.
var escapeSequenceRE = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x{9b}[0-?]*[ -/]*[@-~]`)

// stripControls removes escape sequences and control characters (C0, DEL,
// C1, and the bidirectional overrides that reorder what a terminal shows);
// tabs and line breaks become spaces. Invalid UTF-8 becomes U+FFFD.
func stripControls(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = escapeSequenceRE.ReplaceAllString(s, "")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f':
			return ' '
		case unicode.IsControl(r), isBidiControl(r):
			return -1
		}
		return r
	}, s)
}

func isBidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') || r == '\u200e' || r == '\u200f'
}

// maxTransportText is the longest transport error quoted: these are Go's
// own messages, which may quote what the server sent (a malformed header
// line, say), and the client's refusals, which say what to do.
const maxTransportText = 800

// transportError cleans the text of an error that came with no answer from
// PostHog, keeping the error itself for errors.Is and errors.As.
func (r redactor) transportError(err error) error {
	if err == nil {
		return nil
	}
	msg := r.clean(err.Error(), maxTransportText)
	if msg == err.Error() {
		return err
	}
	return &cleanedError{msg: msg, err: err}
}

// cleanedError is an error with a cleaned message.
type cleanedError struct {
	msg string
	err error
}

func (e *cleanedError) Error() string { return e.msg }
func (e *cleanedError) Unwrap() error { return e.err }

// RedactHost is a host URL as messages may print it: any user:password in
// it masked (whether or not the URL parses), and cleaned like server text
// (it may hold anything a user typed).
func RedactHost(host string) string {
	return redactor{}.serverText(maskUserinfo(host))
}

// maskUserinfo replaces the user:password@ of a URL, found by hand so that
// a URL that does not parse is masked too.
func maskUserinfo(s string) string {
	prefix, rest := "", s
	if i := strings.Index(s, "/"); i >= 0 && strings.HasPrefix(s[i:], "//") {
		prefix, rest = s[:i+2], s[i+2:]
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
		return prefix + "(redacted)@" + rest[at+1:]
	}
	return s
}
