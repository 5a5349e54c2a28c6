package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func envFrom(values map[string]string) func(string) (string, bool) {
	return func(key string) (string, bool) {
		v, ok := values[key]
		return v, ok
	}
}

func emptyConfig() providerModel {
	return providerModel{
		Host: types.StringNull(), APIKey: types.StringNull(), ProjectID: types.StringNull(),
		MaxRetries: types.Int64Null(), RequestTimeout: types.StringNull(),
	}
}

func TestResolveSettingsDefaultsAndEnvironment(t *testing.T) {
	settings, diags := resolveSettings(emptyConfig(), envFrom(map[string]string{
		envAPIKey: "phx_env", envProjectID: "42",
	}))
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if settings.host != defaultHost || settings.apiKey != "phx_env" || settings.projectID != 42 {
		t.Fatalf("got host %q key %q project %d", settings.host, settings.apiKey, settings.projectID)
	}
	if settings.maxRetries != defaultMaxRetries || settings.requestTimeout != defaultRequestTimeout {
		t.Fatalf("got retries %d timeout %s", settings.maxRetries, settings.requestTimeout)
	}
}

func TestResolveSettingsConfigurationBeatsEnvironment(t *testing.T) {
	config := emptyConfig()
	config.Host = types.StringValue("https://eu.posthog.com/")
	config.APIKey = types.StringValue("phx_config")
	config.ProjectID = types.StringValue("7")
	config.MaxRetries = types.Int64Value(0)
	config.RequestTimeout = types.StringValue("5s")
	settings, diags := resolveSettings(config, envFrom(map[string]string{
		envHost: "https://us.posthog.com", envAPIKey: "phx_env", envProjectID: "42",
	}))
	if diags.HasError() {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if settings.host != "https://eu.posthog.com" || settings.apiKey != "phx_config" || settings.projectID != 7 {
		t.Fatalf("got host %q key %q project %d", settings.host, settings.apiKey, settings.projectID)
	}
	if settings.maxRetries != 0 || settings.requestTimeout != 5*time.Second {
		t.Fatalf("got retries %d timeout %s", settings.maxRetries, settings.requestTimeout)
	}
}

func TestResolveSettingsDiagnostics(t *testing.T) {
	tests := []struct {
		name     string
		config   func(*providerModel)
		env      map[string]string
		severity diag.Severity
		want     string
	}{
		{"missing key", func(*providerModel) {}, nil, diag.SeverityError, "Set api_key in the provider block or the POSTHOG_API_KEY"},
		{"malformed host", func(m *providerModel) { m.Host = types.StringValue("us.posthog.com") },
			map[string]string{envAPIKey: "k"}, diag.SeverityError, "host must be an absolute http(s) URL"},
		{"host with path", func(m *providerModel) { m.Host = types.StringValue("https://eu.posthog.com/api") },
			map[string]string{envAPIKey: "k"}, diag.SeverityError, "must not contain a path"},
		{"plain http to a remote host", func(m *providerModel) { m.Host = types.StringValue("http://posthog.example.com") },
			map[string]string{envAPIKey: "k"}, diag.SeverityWarning, "unencrypted"},
		{"bad project", func(m *providerModel) { m.ProjectID = types.StringValue("my-project") },
			map[string]string{envAPIKey: "k"}, diag.SeverityError, "project_id must be the positive numeric id"},
		{"bad project from env", func(*providerModel) {},
			map[string]string{envAPIKey: "k", envProjectID: "0"}, diag.SeverityError, "project_id must be the positive numeric id"},
		{"bad timeout", func(m *providerModel) { m.RequestTimeout = types.StringValue("soon") },
			map[string]string{envAPIKey: "k"}, diag.SeverityError, "request_timeout must be a positive Go duration"},
		{"bad retries", func(m *providerModel) { m.MaxRetries = types.Int64Value(-1) },
			map[string]string{envAPIKey: "k"}, diag.SeverityError, "max_retries must be between 0 and 20"},
		{"project token as the key", func(*providerModel) {},
			map[string]string{envAPIKey: "phc_abc123"}, diag.SeverityError, "holds a project token (phc_...)"},
		{"US ingestion host", func(m *providerModel) { m.Host = types.StringValue("https://us.i.posthog.com") },
			map[string]string{envAPIKey: "k"}, diag.SeverityError, `Use "https://us.posthog.com"`},
		{"EU ingestion host from env", func(*providerModel) {},
			map[string]string{envAPIKey: "k", envHost: "https://EU.i.posthog.com/"}, diag.SeverityError, `Use "https://eu.posthog.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			config := emptyConfig()
			tt.config(&config)
			_, diags := resolveSettings(config, envFrom(tt.env))
			for _, d := range diags {
				if d.Severity() == tt.severity && strings.Contains(d.Detail(), tt.want) {
					return
				}
			}
			t.Fatalf("no %v diagnostic containing %q in %v", tt.severity, tt.want, diags)
		})
	}
}

func TestResolveSettingsLoopbackHTTPIsQuiet(t *testing.T) {
	for _, host := range []string{"http://127.0.0.1:8010", "http://localhost:8000", "http://[::1]:9000"} {
		config := emptyConfig()
		config.Host = types.StringValue(host)
		_, diags := resolveSettings(config, envFrom(map[string]string{envAPIKey: "k"}))
		if len(diags) != 0 {
			t.Errorf("%s: unexpected diagnostics %v", host, diags)
		}
	}
}

func TestResolveSettingsProjectTokenIsNotRepeated(t *testing.T) {
	_, diags := resolveSettings(emptyConfig(), envFrom(map[string]string{envAPIKey: "phc_secretish"}))
	for _, d := range diags {
		if strings.Contains(d.Summary()+d.Detail(), "phc_secretish") {
			t.Errorf("a diagnostic repeats the token: %v", d)
		}
	}
}

func TestPacingJournalDir(t *testing.T) {
	env := envFrom(map[string]string{envPacingJournalDir: "/from/env"})
	if got := pacingJournalDir(types.StringValue("/from/config"), env); got != "/from/config" {
		t.Errorf("configured dir: %q", got)
	}
	if got := pacingJournalDir(types.StringNull(), env); got != "/from/env" {
		t.Errorf("dir from the environment: %q", got)
	}
	if got := pacingJournalDir(types.StringValue("off"), env); got != "" {
		t.Errorf("off: %q", got)
	}
	cache, err := os.UserCacheDir()
	if got := pacingJournalDir(types.StringNull(), envFrom(nil)); err == nil && got != filepath.Join(cache, "terraform-provider-posthog") {
		t.Errorf("default: %q, want under %q", got, cache)
	}
}
