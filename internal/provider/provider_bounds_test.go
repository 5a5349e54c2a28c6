package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestResolveSettingsMaxRetryWait(t *testing.T) {
	env := envFrom(map[string]string{envAPIKey: "phx_env", envProjectID: "1"})
	settings, diags := resolveSettings(emptyConfig(), env)
	if diags.HasError() || settings.maxRetryWait != 5*time.Minute {
		t.Fatalf("default max_retry_wait = %s, %v; want 5m", settings.maxRetryWait, diags)
	}
	config := emptyConfig()
	config.MaxRetryWait = types.StringValue("90s")
	if settings, diags = resolveSettings(config, env); diags.HasError() || settings.maxRetryWait != 90*time.Second {
		t.Fatalf("max_retry_wait = %s, %v; want 90s", settings.maxRetryWait, diags)
	}
	for _, bad := range []string{"soon", "0s", "-1m", ""} {
		config.MaxRetryWait = types.StringValue(bad)
		_, diags := resolveSettings(config, env)
		if !diagsContain(diags, diag.SeverityError, "Invalid max_retry_wait", `positive Go duration such as "90s" or "10m", got "`+bad+`"`) {
			t.Errorf("max_retry_wait %q: diagnostics %v", bad, diags)
		}
	}
}

// A host with a user:password is refused, and no host diagnostic repeats
// the password, whichever check the host fails.
func TestResolveSettingsHostCredentialsNeverPrinted(t *testing.T) {
	const password = "hunter2secret"
	for _, host := range []string{
		"https://admin:" + password + "@posthog.example.com",
		"http://user:" + password + "@posthog.example.com", // also plain http to a remote host
		"http://user:" + password + "@127.0.0.1:8000",
		"https://user:" + password + "@posthog.example.com/api",
		"user:" + password + "@posthog.example.com",
		"http://user:" + password + "@bad host",
	} {
		config := emptyConfig()
		config.Host = types.StringValue(host)
		_, diags := resolveSettings(config, envFrom(map[string]string{envAPIKey: "phx_env"}))
		if !diags.HasError() {
			t.Errorf("host %q was accepted", host)
		}
		for _, d := range diags {
			if strings.Contains(d.Summary()+d.Detail(), password) {
				t.Errorf("host %q: diagnostic prints the password: %s: %s", host, d.Summary(), d.Detail())
			}
		}
	}
	config := emptyConfig()
	config.Host = types.StringValue("https://admin:" + password + "@posthog.example.com")
	_, diags := resolveSettings(config, envFrom(map[string]string{envAPIKey: "phx_env"}))
	if !diagsContain(diags, diag.SeverityError, "Invalid PostHog host", "must not contain a user name or password") {
		t.Errorf("diagnostics %v do not say why the host is refused", diags)
	}
}

func diagsContain(diags diag.Diagnostics, severity diag.Severity, summary, detail string) bool {
	for _, d := range diags {
		if d.Severity() == severity && d.Summary() == summary && strings.Contains(d.Detail(), detail) {
			return true
		}
	}
	return false
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		5 * time.Minute: "5m", time.Minute: "1m", 90 * time.Second: "1m30s", 2 * time.Hour: "2h", 30 * time.Second: "30s",
	} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%s) = %q, want %q", d, got, want)
		}
	}
}
