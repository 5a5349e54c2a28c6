package emulator

// Python's int() and uuid.UUID() string parsing, which decide what PostHog takes
// as a person's primary key or UUID (docs/dev/posthog-behaviour.md#person-ids-and-uuids).

import (
	"math/big"
	"strings"
	"unicode"

	"github.com/google/uuid"
)

// pyInt parses s the way Python's int(s) does for ASCII input: surrounding
// whitespace, an optional sign, digits with single underscores between them.
// The value is nil when it does not fit an int64 (no primary key is that large).
func pyInt(s string) (n *int64, ok bool) {
	v, ok := pyIntBase(strings.TrimFunc(s, unicode.IsSpace), 10)
	if !ok {
		return nil, false
	}
	if !v.IsInt64() {
		return nil, true
	}
	i := v.Int64()
	return &i, true
}

// pyIntBase parses an already trimmed sign and digit run in base 10 or 16
// (where Python also allows a 0x prefix, optionally followed by an underscore).
func pyIntBase(s string, base int) (*big.Int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if base == 16 && len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = strings.TrimPrefix(s[2:], "_")
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return nil, false
	}
	v, ok := new(big.Int).SetString(strings.ReplaceAll(s, "_", ""), base)
	if !ok {
		return nil, false
	}
	if neg {
		v.Neg(v)
	}
	return v, true
}

// pyUUID parses s the way uuid.UUID(s) does: "urn:" and "uuid:" are removed
// wherever they occur, braces stripped from both ends, every dash removed; the
// rest must be 32 characters that int(x, 16) reads as a value in [0, 2^128).
// It returns the canonical lower-case dashed form.
func pyUUID(s string) (string, bool) {
	h := strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	h = strings.ReplaceAll(strings.Trim(h, "{}"), "-", "")
	if len([]rune(h)) != 32 {
		return "", false
	}
	v, ok := pyIntBase(strings.TrimFunc(h, unicode.IsSpace), 16)
	if !ok || v.Sign() < 0 || v.BitLen() > 128 {
		return "", false
	}
	var b [16]byte
	v.FillBytes(b[:])
	return uuid.UUID(b).String(), true
}
