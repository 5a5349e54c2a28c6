package posthog

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// The fuzz targets cover every parser of PostHog's answers. Their seed
// corpora run in make test; make fuzz runs each for longer.

func FuzzNewAPIError(f *testing.F) {
	for _, seed := range []string{
		`{"type":"validation_error","code":"invalid_input","detail":"You can only pass 1000 ids in one call","attr":null}`,
		`{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 40 seconds.","attr":null}`,
		`{"message":"Could not retrieve team","detail":"Could not validate team associated with user"}`,
		`{"attr":"properties","code":"This field is required.","detail":"required","type":"validation_error"}`,
		`{"success":false,"detail":"Unable to delete property"}`,
		`{"error":"x"}`,
		`<html><body>502 Bad Gateway</body></html>`,
		`{"detail":`, `null`, `[]`, `"text"`, `{"detail":{"nested":[1,2]}}`, "",
	} {
		f.Add(403, []byte(seed))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := newRedactor(testKey).newAPIError(http.MethodPost, "/api/projects/1/persons/bulk_delete/", status, body)
		msg := e.Error()
		if !strings.Contains(msg, "/api/projects/1/persons/bulk_delete/") {
			t.Fatalf("message does not name the endpoint: %q", msg)
		}
		// The HTML title form quotes, and a cut says so: a little more
		// than maxServerText characters.
		for name, field := range map[string]string{"body": e.Body, "detail": e.Detail, "code": e.Code, "type": e.Type, "attr": e.Attr} {
			if n := utf8.RuneCountInString(field); n > maxServerText+60 {
				t.Fatalf("%s of a %d-byte body kept %d characters", name, len(body), n)
			}
		}
		if strings.Contains(msg, testKey) {
			t.Fatalf("message holds the API key: %q", msg)
		}
		if i := strings.IndexFunc(msg, unicode.IsControl); i >= 0 {
			t.Fatalf("message holds control character %q at %d: %q", msg[i], i, msg)
		}
	})
}

func FuzzParseThrottledDetail(f *testing.F) {
	for _, seed := range []string{
		"Request was throttled. Expected available in 40 seconds.",
		"Request was throttled. Expected available in 1 second.",
		"Request was throttled. Expected available in 0.5 seconds.",
		"Request was throttled.", "Expected available in -3 seconds.", "Expected available in 99999999999999999999 seconds.",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, detail string) {
		d, ok := parseThrottledDetail(detail)
		if ok && d < 0 {
			t.Fatalf("negative wait %s from %q", d, detail)
		}
		if !ok && d != 0 {
			t.Fatalf("wait %s without a match from %q", d, detail)
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, seed := range []string{"40", "0", "-1", "Sat, 28 Nov 2026 12:00:30 GMT", "Fri, 27 Nov 2026 12:00:00 GMT", "soon", "1e9", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := parseRetryAfter(v, now); ok && d < 0 {
			t.Fatalf("negative wait %s from %q", d, v)
		}
	})
}

func FuzzResolveNext(f *testing.F) {
	client, err := NewClient(Config{Host: "https://eu.posthog.com", APIKey: "phx_test"})
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"https://eu.posthog.com/api/projects/1/persons/funnel/?offset=100",
		"api/projects/1/persons/lifecycle/?offset=200&limit=100",
		"/api/projects/1/persons/funnel/correlation/?funnel_correlation_person_offset=100",
		"?offset=300", "https://evil.example/api/projects/1/persons/", "http://eu.posthog.com/api/x",
		"//evil.example/api/", "javascript:alert(1)", "%zz", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		path, _, err := client.resolveNext(next, "/api/projects/1/persons/funnel/")
		if err != nil {
			return
		}
		// Whatever PostHog sends, the key only goes to the configured host's API.
		if !strings.HasPrefix(path, "/api/") {
			t.Fatalf("followed %q to path %q", next, path)
		}
	})
}

func FuzzWirePerson(f *testing.F) {
	for _, seed := range []string{
		`{"id":12,"uuid":"0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b","name":"a","distinct_ids":["a"],"properties":{},"created_at":"2026-01-01T00:00:00Z","last_seen_at":null}`,
		`{"type":"person","id":"0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b","uuid":"0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b","is_identified":true}`,
		`{"id":null,"name":null,"distinct_ids":["x"],"uuid":"u","properties":{"email":"x@y"}}`,
		`{"id":1.5}`, `{"id":"12"}`, `{"id":[1]}`, `{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var w wirePerson
		if json.Unmarshal(body, &w) != nil {
			return
		}
		// Must not panic; an error is a fine answer to a strange shape.
		_, _ = w.person()
	})
}
