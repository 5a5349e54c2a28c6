package posthog

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Hostile and broken answers from PostHog (or whatever sits in front of it):
// each must end in a clear error that names the endpoint and says what went
// wrong, never a panic, a hang, a silent success or a leaked API key.

// hostileServer starts whatever answers the client and returns the host to
// configure; check, when non-nil, runs after the call (e.g. to assert what a
// second server saw).
type hostileServer func(t *testing.T) (host string, check func(t *testing.T))

// hostileCall is one client call against projectID 1.
type hostileCall struct {
	endpoint string // escaped path the error must name
	do       func(ctx context.Context, c *Client) error
}

var (
	callBatch = hostileCall{"/api/projects/1/persons/batch_by_distinct_ids/", func(ctx context.Context, c *Client) error {
		_, err := c.BatchByDistinctIDs(ctx, 1, []string{"alice"})
		return err
	}}
	callBulkDelete = hostileCall{"/api/projects/1/persons/bulk_delete/", func(ctx context.Context, c *Client) error {
		_, err := c.BulkDelete(ctx, 1, BulkDeleteRequest{DistinctIDs: []string{"alice"}, DeleteEvents: true})
		return err
	}}
	callDeletionStatus = hostileCall{"/api/projects/1/persons/deletion_status/", func(ctx context.Context, c *Client) error {
		_, err := c.ListDeletionStatus(ctx, 1, DeletionStatusOptions{Status: "pending"})
		return err
	}}
	callCohorts = hostileCall{"/api/projects/1/persons/cohorts/", func(ctx context.Context, c *Client) error {
		_, err := c.PersonCohorts(ctx, 1, "0190b2a4-5c1e-7d2f-8a3b-4c5d6e7f8a9b")
		return err
	}}
)

const hostileTimeout = 300 * time.Millisecond

// serve answers every request with h.
func serve(h http.HandlerFunc) hostileServer {
	return func(t *testing.T) (string, func(*testing.T)) {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL, nil
	}
}

// body answers every request with status, content type and body.
func body(status int, contentType, b string) hostileServer {
	return serve(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, b)
	})
}

const htmlPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>
  502 Bad Gateway | cloudflare
</title></head>
<body><h1>Bad gateway</h1><p>The web server reported a bad gateway error.</p></body></html>`

// redirectElsewhere redirects every request to a second server on another
// port (another host for the client) and checks that the second server never
// received the Authorization header, nor any request at all.
func redirectElsewhere(status int) hostileServer {
	return func(t *testing.T) (string, func(*testing.T)) {
		var withAuth, total atomic.Int64
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			total.Add(1)
			if r.Header.Get("Authorization") != "" {
				withAuth.Add(1)
			}
			writeJSON(w, 200, `{"results":{}}`)
		}))
		t.Cleanup(other.Close)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), status)
		}))
		t.Cleanup(srv.Close)
		return srv.URL, func(t *testing.T) {
			if n := withAuth.Load(); n != 0 {
				t.Errorf("the other host received the Authorization header %d times", n)
			}
			if n := total.Load(); n != 0 {
				t.Errorf("the other host received %d requests; the redirect should not be followed", n)
			}
		}
	}
}

// slowLoris accepts connections on a raw listener, reads the request and
// trickles an answer one byte every 20 ms: first the status line and headers
// when headersToo, else complete headers and then a body that never ends.
// Each connection is bounded (at most ~4 s) and closed at cleanup.
func slowLoris(headersToo bool) hostileServer {
	return func(t *testing.T) (string, func(*testing.T)) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		t.Cleanup(func() { close(done); _ = ln.Close() })
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				go func(conn net.Conn) {
					defer conn.Close()
					_ = conn.SetDeadline(time.Now().Add(4 * time.Second))
					if _, err := http.ReadRequest(bufio.NewReader(conn)); err != nil {
						return
					}
					answer := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
					if !headersToo {
						if _, err := io.WriteString(conn, answer); err != nil {
							return
						}
						answer = `{"results":{"alice":{"uuid":"` + strings.Repeat("a", 1000)
					}
					for i := 0; i < len(answer); i++ {
						select {
						case <-done:
							return
						case <-time.After(20 * time.Millisecond):
						}
						if _, err := conn.Write([]byte{answer[i]}); err != nil {
							return
						}
					}
				}(conn)
			}
		}()
		return "http://" + ln.Addr().String(), nil
	}
}

// selfSignedTLS is an https server whose certificate no system root signs.
func selfSignedTLS() hostileServer {
	return func(t *testing.T) (string, func(*testing.T)) {
		var hits atomic.Int64
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits.Add(1)
			writeJSON(w, 200, `{"results":{}}`)
		}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the expected handshake failure
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv.URL, func(t *testing.T) {
			if n := hits.Load(); n != 0 {
				t.Errorf("the self-signed server answered %d requests; TLS verification must refuse it", n)
			}
		}
	}
}

// hugeBody answers 200 with a JSON-looking body past the client's 32 MiB cap.
func hugeBody() hostileServer {
	return serve(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"results":{"alice":{"uuid":"`)
		chunk := []byte(strings.Repeat("x", 1<<20))
		for i := 0; i < maxResponseBytes>>20+2; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"}}}`)
	})
}

func TestHostileAnswers(t *testing.T) {
	cases := []struct {
		name   string
		server hostileServer
		call   hostileCall
		want   []string // substrings of the error, besides the endpoint
	}{
		{"HTML error page on 502", body(502, "text/html", htmlPage), callBatch,
			[]string{"502", `HTML page titled "502 Bad Gateway | cloudflare"`, "gave up after 2 attempts"}},
		{"HTML login page on 200", body(200, "text/html", `<html><head><title>Sign in - SSO</title></head><body>form</body></html>`), callBulkDelete,
			[]string{"unexpected response", "status 200", `HTML page titled "Sign in - SSO"`}},
		{"plain text on 200", body(200, "text/plain", "OK"), callDeletionStatus,
			[]string{"unexpected response", "invalid character", "body starts: OK"}},
		{"plain text on 400", body(400, "text/plain", "Bad Request: header too large"), callBulkDelete,
			[]string{"400", "unexpected non-JSON body: Bad Request: header too large"}},
		{"binary garbage on 500", body(500, "application/octet-stream", "\xff\xfe\x00\x01garbage\x80"), callCohorts,
			[]string{"500", "unexpected non-JSON body", "garbage"}},
		{"empty 200", body(200, "application/json", ""), callBatch,
			[]string{"unexpected response", "empty body"}},
		{"204 where a body is expected", body(204, "application/json", ""), callBulkDelete,
			[]string{"unexpected response", "status 204", "empty body"}},
		{"truncated JSON", body(200, "application/json", `{"results":{"alice":{"uuid":"0190b2a4`), callBatch,
			[]string{"unexpected response", "unexpected end of JSON input"}},
		{"body cut mid-string", body(200, "application/json", `{"persons_found":1,"persons_deleted":1,"deletion_errors":[{"person_uuid":"01`), callBulkDelete,
			[]string{"unexpected response", "unexpected end of JSON input"}},
		{"list where a map is expected", body(200, "application/json", `{"results": []}`), callBatch,
			[]string{"unexpected response", "cannot unmarshal array"}},
		{"map where a list is expected", body(200, "application/json", `{"count":1,"next":null,"results":{"a":1}}`), callDeletionStatus,
			[]string{"unexpected response", "cannot unmarshal object"}},
		{"wrong field type", body(200, "application/json", `{"results":{"alice":{"uuid":42,"distinct_ids":"alice"}}}`), callBatch,
			[]string{"unexpected response", "cannot unmarshal number"}},
		{"JSON null", body(200, "application/json", "null"), callBulkDelete,
			[]string{"unexpected response", "null"}},
		{"JSON null with spaces", body(200, "application/json", " null\n"), callBatch,
			[]string{"unexpected response", "null"}},
		{"JSON number", body(200, "application/json", "42"), callBulkDelete,
			[]string{"unexpected response", "cannot unmarshal number", "body starts: 42"}},
		{"JSON string", body(200, "application/json", `"ok"`), callCohorts,
			[]string{"unexpected response", "cannot unmarshal string"}},
		{"gzip garbage", serve(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = io.WriteString(w, "this is not gzip at all")
		}), callBatch, []string{"gzip", "request failed after 2 attempt(s)"}},
		{"huge body", hugeBody(), callBatch,
			[]string{"exceeds 33554432 bytes", "body too large"}},
		{"redirect to another host (302)", redirectElsewhere(http.StatusFound), callBatch,
			[]string{"redirect", "not sending the API key", "request failed after 1 attempt(s)"}},
		{"redirect to another host (307)", redirectElsewhere(http.StatusTemporaryRedirect), callBulkDelete,
			[]string{"redirect", "not sending the API key"}},
		{"slow-loris headers", slowLoris(true), callBatch,
			[]string{"request timeout", "300ms", "request failed after 2 attempt(s)"}},
		{"slow-loris body", slowLoris(false), callBatch,
			[]string{"request timeout", "300ms", "request failed after 2 attempt(s)"}},
		{"self-signed TLS certificate", selfSignedTLS(), callDeletionStatus,
			[]string{"certificate", "request failed after 1 attempt(s)"}},
	}

	start := time.Now()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			host, check := tc.server(t)
			c, err := NewClient(Config{
				Host: host, APIKey: testKey, MaxRetries: 1,
				RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
				RequestTimeout: hostileTimeout,
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			began := time.Now()
			err = tc.call.do(ctx, c)
			took := time.Since(began)
			if err == nil {
				t.Fatalf("call succeeded; want an error containing %q", tc.want)
			}
			msg := err.Error()
			for _, w := range append([]string{tc.call.endpoint}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, testKey) {
				t.Errorf("error leaks the API key: %s", msg)
			}
			if len(msg) > 1000 {
				t.Errorf("error is %d bytes long; want a short diagnostic", len(msg))
			}
			if took > 2*time.Second {
				t.Errorf("call took %s", took)
			}
			if check != nil {
				check(t)
			}
		})
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("hostile cases took %s in total; want < 5s", took)
	}
}

// TLS verification cannot be turned off through the client's configuration:
// Config has no such option, and the default transport keeps verification on
// (the self-signed case above shows it refusing a bad certificate).
func TestTLSVerificationCannotBeDisabled(t *testing.T) {
	typ := reflect.TypeOf(Config{})
	for i := 0; i < typ.NumField(); i++ {
		name := strings.ToLower(typ.Field(i).Name)
		for _, bad := range []string{"insecure", "skip", "verify", "tls", "cert"} {
			if strings.Contains(name, bad) {
				t.Errorf("Config.%s looks like an option to weaken TLS verification", typ.Field(i).Name)
			}
		}
	}
	c, err := NewClient(Config{Host: "https://us.posthog.com", APIKey: testKey})
	if err != nil {
		t.Fatal(err)
	}
	tr, ok := c.hc.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("default transport is %T", c.hc.Transport)
	}
	if tr.TLSClientConfig != nil && tr.TLSClientConfig.InsecureSkipVerify {
		t.Error("default transport skips TLS verification")
	}
	if c.hc.CheckRedirect == nil {
		t.Error("redirects are not checked")
	}
}
