package provider_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posthog-persons/terraform-provider-posthog/internal/acctest"
	"github.com/posthog-persons/terraform-provider-posthog/internal/emulator"
)

// Canary values: distinctive enough that finding one in a log can only mean
// it leaked there.
const (
	secretsCanaryKey       = "phx_SECRET_canary_7f3a9c"
	secretsCanaryReaderKey = "phx_SECRET_reader_canary_2d81"

	secretsDeletedID    = "canary-deleted-distinct-id-91d2"
	secretsDeletedAnon  = "canary-deleted-anon-id-0a6f"
	secretsReadID       = "canary-read-distinct-id-5c8e"
	secretsDeniedID     = "canary-denied-distinct-id-33b7"
	secretsDeletedEmail = "canary.deleted@example.invalid"
	secretsReadEmail    = "canary.person@example.invalid"
	secretsReadNote     = "canary-property-value-e19b"
	secretsDeniedEmail  = "canary.denied@example.invalid"
)

// Issue 7, item 6: with TF_LOG=TRACE the API key is never logged, person
// properties and distinct ids never appear in log lines above DEBUG, and a
// rendered plan shows no property values (they are sensitive). This runs the
// real CLI, as users do: the provider's logs reach TF_LOG_PATH through the
// plugin protocol.
func TestAccSecrets_NotInLogsOrPlanOutput(t *testing.T) {
	t.Parallel()
	env := acctest.NewEnv(t, emulator.Config{APIKeys: []emulator.APIKey{
		{Key: secretsCanaryKey, Scopes: []string{"*"}},
		{Key: secretsCanaryReaderKey, Scopes: []string{"person:read"}},
	}})
	at := time.Now().Add(-time.Hour)
	ingest := func(id string, props map[string]any) {
		env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: id, Timestamp: at,
			Properties: map[string]any{"$set": props}})
	}
	ingest(secretsDeletedID, map[string]any{"email": secretsDeletedEmail})
	env.Emulator.Ingest(emulator.Event{Event: "$pageview", DistinctID: secretsDeletedAnon, Timestamp: at})
	env.Emulator.Ingest(emulator.Event{Event: "$identify", DistinctID: secretsDeletedID, Timestamp: at,
		Properties: map[string]any{"$anon_distinct_id": secretsDeletedAnon}})
	ingest(secretsReadID, map[string]any{"email": secretsReadEmail, "note": secretsReadNote})
	ingest(secretsDeniedID, map[string]any{"email": secretsDeniedEmail})

	cli := acctest.NewCLI(t)
	logDir := t.TempDir()
	var logs []string
	var outputs []string
	run := func(wantErr bool, args ...string) string {
		t.Helper()
		logPath := filepath.Join(logDir, fmt.Sprintf("%02d-%s.log", len(logs), args[0]))
		logs = append(logs, logPath)
		cli.SetEnv("TF_LOG=TRACE", "TF_LOG_PROVIDER=TRACE", "TF_LOG_PATH="+logPath)
		out, err := cli.Run(args...)
		outputs = append(outputs, out)
		if (err != nil) != wantErr {
			t.Fatalf("terraform %s: error %v, want error %v\n%s", strings.Join(args, " "), err, wantErr, out)
		}
		return out
	}

	readAndDelete := fmt.Sprintf(`
data "posthog_persons" "read" {
  distinct_ids = [%q]
}

# Carries the persons (properties included) into a resource so that the plan
# renders them, where they must show as sensitive.
resource "terraform_data" "persons" {
  input = data.posthog_persons.read.persons
}

resource "posthog_person_deletion" "request" {
  distinct_ids = [%q, %q]
}
`, secretsReadID, secretsDeletedID, secretsDeletedAnon)
	cli.WriteConfig(t, env.ProviderConfigWithKey(secretsCanaryKey)+readAndDelete)

	run(false, "plan", "-out=tfplan")
	shown := run(false, "show", "tfplan")
	if !strings.Contains(shown, "posthog_person_deletion.request") || !strings.Contains(shown, "terraform_data.persons") {
		t.Fatalf("the rendered plan does not show the planned resources:\n%s", shown)
	}
	if !strings.Contains(shown, "(sensitive value)") {
		t.Fatalf("the rendered plan shows no sensitive values, so the persons did not reach it:\n%s", shown)
	}
	for _, value := range []string{secretsReadEmail, secretsReadNote, secretsDeletedEmail, secretsCanaryKey} {
		if strings.Contains(shown, value) {
			t.Errorf("the rendered plan shows %q:\n%s", value, shown)
		}
	}
	run(false, "apply", "tfplan")
	if env.Exists(secretsDeletedID) || !env.Exists(secretsReadID) {
		t.Fatalf("after apply: deleted person exists %v, read person exists %v; want false, true",
			env.Exists(secretsDeletedID), env.Exists(secretsReadID))
	}
	run(false, "refresh")
	run(false, "plan")

	// A key without person:write: PostHog answers 403 and the apply fails.
	cli.WriteConfig(t, env.ProviderConfigWithKey(secretsCanaryReaderKey)+readAndDelete+fmt.Sprintf(`
resource "posthog_person_deletion" "denied" {
  distinct_ids = [%q]
}
`, secretsDeniedID))
	denied := run(true, "apply", "-auto-approve")
	if !strings.Contains(denied, "403") {
		t.Fatalf("the apply with a read-only key should fail with a 403:\n%s", denied)
	}
	if !env.Exists(secretsDeniedID) {
		t.Fatal("the read-only key deleted a person")
	}

	keys := []string{secretsCanaryKey, secretsCanaryReaderKey}
	personal := []string{secretsReadEmail, secretsReadNote, secretsDeletedEmail, secretsDeniedEmail,
		secretsDeletedID, secretsDeletedAnon, secretsReadID, secretsDeniedID}
	// Commands show the distinct ids of the configuration, but never the key
	// nor property values, which are sensitive.
	for i, out := range outputs {
		for _, value := range slices.Concat(keys, []string{secretsReadEmail, secretsReadNote, secretsDeletedEmail, secretsDeniedEmail}) {
			if strings.Contains(out, value) {
				t.Errorf("output of command %d shows %q:\n%s", i, value, out)
			}
		}
	}

	var seen logSelfCheck
	for _, path := range logs {
		scanSecretsLog(t, path, keys, personal, &seen)
	}
	// An empty or provider-less capture must not pass.
	if !seen.providerInfo {
		t.Error(`the logs have no provider INFO line "planned person deletion"; the capture does not reach the provider`)
	}
	if !seen.requestDebug {
		t.Error(`the logs have no provider DEBUG line "PostHog API request"; provider debug logs are not captured`)
	}
	if !seen.bodyTrace {
		t.Error(`the logs have no provider TRACE line "PostHog API request body"; provider trace logs are not captured`)
	}
	if !seen.personalAtLowLevel {
		t.Error("no canary value appears even at TRACE (in request bodies); the scan would not see a leak")
	}
}

type logSelfCheck struct {
	providerInfo, requestDebug, bodyTrace, personalAtLowLevel bool
}

// logLine matches the start of an hclog line, "<timestamp> [LEVEL] ...";
// lines without it continue the line before and share its level.
var logLine = regexp.MustCompile(`^\S+ \[(TRACE|DEBUG|INFO|WARN|ERROR)\]`)

func scanSecretsLog(t *testing.T, path string, keys, personal []string, seen *logSelfCheck) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("reading the log: %v", err)
	}
	defer func() { _ = f.Close() }()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 16<<20)
	level := "TRACE"
	reported := 0
	report := func(format string, args ...any) {
		if reported++; reported <= 10 {
			t.Errorf(format, args...)
		}
	}
	for n := 1; scanner.Scan(); n++ {
		line := scanner.Text()
		if m := logLine.FindStringSubmatch(line); m != nil {
			level = m[1]
		}
		provider := strings.Contains(line, "provider.terraform-provider-posthog")
		switch {
		case provider && level == "INFO" && strings.Contains(line, "planned person deletion"):
			seen.providerInfo = true
		case provider && level == "DEBUG" && strings.Contains(line, "PostHog API request"):
			seen.requestDebug = true
		case provider && level == "TRACE" && strings.Contains(line, "PostHog API request body"):
			seen.bodyTrace = true
		}
		for _, key := range keys {
			if strings.Contains(line, key) {
				report("%s:%d logs the API key %q at %s: %s", filepath.Base(path), n, key, level, line)
			}
		}
		for _, value := range personal {
			if !strings.Contains(line, value) {
				continue
			}
			if level == "TRACE" || level == "DEBUG" {
				seen.personalAtLowLevel = true
				continue
			}
			report("%s:%d logs personal data %q at %s: %s", filepath.Base(path), n, value, level, line)
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
}
