// Package provider implements the posthog Terraform provider: its
// configuration, the posthog_person_deletion resource and the data sources.
package provider

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/posthog-persons/terraform-provider-posthog/internal/deletion"
	"github.com/posthog-persons/terraform-provider-posthog/internal/lookups"
	"github.com/posthog-persons/terraform-provider-posthog/internal/posthog"
)

// Defaults shared with PostHog's official provider so that users can reuse
// their settings and environment.
const (
	defaultHost           = "https://us.posthog.com"
	defaultMaxRetries     = 4
	defaultRequestTimeout = 60 * time.Second
	defaultMaxRetryWait   = posthog.DefaultMaxRetryWait

	envHost      = "POSTHOG_HOST"
	envAPIKey    = "POSTHOG_API_KEY"
	envProjectID = "POSTHOG_PROJECT_ID"
	// envRateLimitScale divides every pacing window (testing and benchmarks
	// against the emulator's -rate-limit-scale only).
	envRateLimitScale = "POSTHOG_RATE_LIMIT_SCALE"
	// envPacingJournalDir moves the pacing journal (see pacingJournalDir);
	// "off" turns it off.
	envPacingJournalDir = "POSTHOG_RATE_LIMIT_JOURNAL_DIR"
)

var _ provider.Provider = &PosthogProvider{}

// PosthogProvider is the provider implementation.
type PosthogProvider struct {
	version string
}

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &PosthogProvider{version: version}
	}
}

// providerModel maps the provider block.
type providerModel struct {
	Host           types.String `tfsdk:"host"`
	APIKey         types.String `tfsdk:"api_key"`
	ProjectID      types.String `tfsdk:"project_id"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	RateLimits     types.Bool   `tfsdk:"rate_limits_enabled"`
	MaxRetryWait   types.String `tfsdk:"max_retry_wait"`
	JournalDir     types.String `tfsdk:"rate_limit_journal_dir"`
}

// providerData is what resources and data sources receive from Configure.
type providerData struct {
	client *posthog.Client
	// projectID is 0 when neither the provider block nor POSTHOG_PROJECT_ID
	// sets it; each resource then needs its own project_id.
	projectID int64
	// lookups is the read path every resource instance and data source of
	// this process shares (one walk); see internal/lookups.
	lookups *lookups.Service
}

func (p *PosthogProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "posthog"
	resp.Version = p.version
}

func (p *PosthogProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The PostHog provider deletes persons from PostHog as reviewed infrastructure " +
			"changes and reads person lists from PostHog's persons API. It works with PostHog Cloud " +
			"(US and EU) and self-hosted PostHog.",
		Attributes: map[string]schema.Attribute{
			"host": schema.StringAttribute{
				MarkdownDescription: "The URL of the PostHog instance, for example `https://us.posthog.com` (US Cloud), " +
					"`https://eu.posthog.com` (EU Cloud) or the address of a self-hosted instance. " +
					"Defaults to the `POSTHOG_HOST` environment variable, then to `" + defaultHost + "`.",
				Optional: true,
			},
			"api_key": schema.StringAttribute{
				MarkdownDescription: "A PostHog personal API key. Leave it out of configuration files and set the " +
					"`POSTHOG_API_KEY` environment variable instead, which is the default. `posthog_person_deletion` needs the " +
					"`person:read` and `person:write` scopes, `posthog_persons` and `posthog_person_deletion_status` need " +
					"`person:read`, `posthog_person_cohorts` needs `person:read` and `cohort:read`, and the lifecycle, funnel " +
					"and funnel-correlation persons data sources need `query:read`.",
				Optional:  true,
				Sensitive: true,
			},
			"project_id": schema.StringAttribute{
				MarkdownDescription: "The numeric id of the PostHog project (environment) to work in. Resources and data " +
					"sources may override it. Defaults to the `POSTHOG_PROJECT_ID` environment variable.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request is retried after throttling (429), a server "+
					"error (5xx) or a network error, with capped exponential backoff. Defaults to %d.", defaultMaxRetries),
				Optional: true,
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("How long one HTTP request may take, as a Go duration such as `30s` "+
					"or `2m`. Defaults to `%s`.", durationText(defaultRequestTimeout)),
				Optional: true,
			},
			"max_retry_wait": schema.StringAttribute{
				MarkdownDescription: fmt.Sprintf("The longest wait before a retry that the provider accepts when PostHog "+
					"(or a proxy in front of it) asks for one, with a `Retry-After` header or in its throttling message, as a Go "+
					"duration such as `90s` or `10m`. A request asked to wait longer fails at once with an error that says how "+
					"long PostHog asked for, instead of hanging; the provider's own pacing also never holds requests back "+
					"longer than this after a 429. Defaults to `%s`.", durationText(defaultMaxRetryWait)),
				Optional: true,
			},
			"rate_limit_journal_dir": schema.StringAttribute{
				MarkdownDescription: "Where the provider keeps its pacing journal: the end times of its recent calls (timestamps only, " +
					"in a file named by a hash of host and key, deleted after 2 hours unused), so that the apply after a plan, run " +
					"in another process, does not spend the rate-limit budget the plan used. Defaults to the `" + envPacingJournalDir +
					"` environment variable, then to `terraform-provider-posthog` in the platform's cache directory (`$XDG_CACHE_HOME` " +
					"or `~/.cache` on Linux, `~/Library/Caches` on macOS, `%LocalAppData%` on Windows); on CI runners that is the " +
					"runner's cache directory. `off` turns the journal off (each process then paces on its own). The same directory " +
					"holds the lookup roster: the distinct ids and UUIDs that the list-form `posthog_person_deletion` resources of each " +
					"working directory looked up, encrypted with a key derived from the API key and dropped after 7 days unused, so " +
					"that the next command looks all of them up in full batches of 200 instead of a few per call (see the guide " +
					"\"Thousands of erasure tickets\"). Only ids are kept, never PostHog's answers; `off` turns the roster off too.",
				Optional: true,
			},
			"rate_limits_enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether the provider paces its requests to PostHog Cloud's rate limits for personal " +
					"API keys, so that large runs wait for free slots instead of being throttled (429): deletions " +
					"480 per minute and 4800 per hour, other persons requests 240 per minute, Query API requests " +
					"240 per minute and 2400 per hour. Pacing is per provider configuration; throttling caused by " +
					"other users of the same key is still retried. So that an apply does not spend the budget its plan " +
					"already used, the provider keeps the times of its recent calls in a journal (see `rate_limit_journal_dir`). " +
					"Set to `false` for self-hosted instances " +
					"without rate limits. Defaults to `true`. For testing against an emulator whose windows are " +
					"shortened, the `" + envRateLimitScale + "` environment variable (a number F, default 1) " +
					"divides every window by F; it is not meant for use against PostHog.",
				Optional: true,
			},
		},
	}
}

func (p *PosthogProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// Values that depend on other resources are unknown during validation;
	// resources then see no client and skip their plan-time preview.
	if config.Host.IsUnknown() || config.APIKey.IsUnknown() || config.ProjectID.IsUnknown() {
		tflog.Debug(ctx, "provider configuration is not known yet; PostHog calls are deferred")
		return
	}

	settings, diags := resolveSettings(config, os.LookupEnv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	client, err := posthog.NewClient(posthog.Config{
		Host:             settings.host,
		APIKey:           settings.apiKey,
		MaxRetries:       settings.maxRetries,
		RequestTimeout:   settings.requestTimeout,
		RateLimits:       settings.rateLimits,
		PacingJournalDir: settings.journalDir,
		MaxRetryWait:     settings.maxRetryWait,
		UserAgent:        "terraform-provider-posthog/" + p.version,
	})
	if err != nil {
		resp.Diagnostics.AddError("Invalid PostHog client configuration", err.Error())
		return
	}
	data := &providerData{client: client, projectID: settings.projectID, lookups: newLookups(client, settings)}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *PosthogProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewPersonDeletionResource,
	}
}

func (p *PosthogProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewPersonsDataSource,
		NewPersonCohortsDataSource,
		NewPersonDeletionStatusDataSource,
		NewLifecyclePersonsDataSource,
		NewFunnelPersonsDataSource,
		NewFunnelCorrelationPersonsDataSource,
		NewCohortPersonsDataSource,
		NewPersonsByPropertyDataSource,
		NewInsightPersonsDataSource,
	}
}

// providerSettings is the provider configuration after environment defaults
// and validation.
type providerSettings struct {
	host           string
	apiKey         string
	projectID      int64
	maxRetries     int
	requestTimeout time.Duration
	rateLimits     posthog.RateLimits
	journalDir     string
	maxRetryWait   time.Duration
}

// resolveSettings merges configuration with the environment (configuration
// wins) and validates the result. lookupEnv is os.LookupEnv outside tests.
func resolveSettings(config providerModel, lookupEnv func(string) (string, bool)) (providerSettings, diag.Diagnostics) {
	var diags diag.Diagnostics
	settings := providerSettings{maxRetries: defaultMaxRetries, requestTimeout: defaultRequestTimeout, maxRetryWait: defaultMaxRetryWait}

	settings.host = stringSetting(config.Host, envHost, lookupEnv)
	if settings.host == "" {
		settings.host = defaultHost
	}
	settings.host = strings.TrimRight(settings.host, "/")
	diags.Append(validateHost(settings.host)...)

	settings.apiKey = stringSetting(config.APIKey, envAPIKey, lookupEnv)
	switch {
	case settings.apiKey == "":
		diags.AddAttributeError(path.Root("api_key"), "Missing PostHog API key",
			"Set api_key in the provider block or the "+envAPIKey+" environment variable to a PostHog personal API key "+
				"(Settings > Personal API keys) with the person:read and person:write scopes.")
	case strings.HasPrefix(settings.apiKey, "phc_"):
		// The token is not repeated: it is public, but the message goes to logs.
		diags.AddAttributeError(path.Root("api_key"), "A project token is not an API key",
			"api_key (or "+envAPIKey+") holds a project token (phc_...), which PostHog's SDKs use to send events; it cannot "+
				"read or delete persons. Create a personal API key (phx_...) in PostHog under Settings > Personal API keys, "+
				"with the person:read and person:write scopes, and use that instead.")
	}

	if raw := stringSetting(config.ProjectID, envProjectID, lookupEnv); raw != "" {
		id, err := parseProjectID(raw)
		if err != nil {
			diags.AddAttributeError(path.Root("project_id"), "Invalid PostHog project id", err.Error())
		}
		settings.projectID = id
	}

	if !config.MaxRetries.IsNull() {
		n := config.MaxRetries.ValueInt64()
		if n < 0 || n > 20 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid max_retries",
				fmt.Sprintf("max_retries must be between 0 and 20, got %d.", n))
		}
		settings.maxRetries = int(n)
	}

	if !config.RequestTimeout.IsNull() {
		d, err := time.ParseDuration(config.RequestTimeout.ValueString())
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout",
				fmt.Sprintf("request_timeout must be a positive Go duration such as \"30s\" or \"2m\", got %q.",
					config.RequestTimeout.ValueString()))
		}
		settings.requestTimeout = d
	}

	if !config.MaxRetryWait.IsNull() {
		d, err := time.ParseDuration(config.MaxRetryWait.ValueString())
		if err != nil || d <= 0 {
			diags.AddAttributeError(path.Root("max_retry_wait"), "Invalid max_retry_wait",
				fmt.Sprintf("max_retry_wait must be a positive Go duration such as \"90s\" or \"10m\", got %q.",
					config.MaxRetryWait.ValueString()))
		}
		settings.maxRetryWait = d
	}

	settings.journalDir = pacingJournalDir(config.JournalDir, lookupEnv)
	if !config.RateLimits.IsNull() && !config.RateLimits.ValueBool() {
		settings.rateLimits = posthog.RateLimits{Disabled: true}
	} else if raw, ok := lookupEnv(envRateLimitScale); ok && strings.TrimSpace(raw) != "" {
		f, err := posthog.ParseRateLimitScale(raw)
		if err != nil {
			diags.AddError("Invalid "+envRateLimitScale, err.Error())
		}
		settings.rateLimits = posthog.RateLimits{}.Scaled(f)
	}
	return settings, diags
}

// stringSetting returns the configured value, else the environment's.
func stringSetting(value types.String, env string, lookupEnv func(string) (string, bool)) string {
	if !value.IsNull() {
		return value.ValueString()
	}
	v, _ := lookupEnv(env)
	return strings.TrimSpace(v)
}

// validateHost rejects hosts the client cannot use and warns about
// plain-text HTTP to anything but this machine: the API key would travel
// unencrypted. No message repeats a user:password the host may hold.
func validateHost(host string) diag.Diagnostics {
	var diags diag.Diagnostics
	shown := posthog.RedactHost(host)
	u, err := url.Parse(host)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		diags.AddAttributeError(path.Root("host"), "Invalid PostHog host",
			fmt.Sprintf("host must be an absolute http(s) URL such as %q or \"https://eu.posthog.com\", got %q.", defaultHost, shown))
		return diags
	}
	if u.User != nil {
		diags.AddAttributeError(path.Root("host"), "Invalid PostHog host",
			fmt.Sprintf("host must not contain a user name or password, got %q: the provider authenticates with api_key "+
				"(POSTHOG_API_KEY) only. Remove the credentials from the URL, and change that password if it was shared.", shown))
		return diags
	}
	if u.Path != "" && u.Path != "/" {
		diags.AddAttributeError(path.Root("host"), "Invalid PostHog host",
			fmt.Sprintf("host must not contain a path (the provider adds /api/projects/...), got %q; use %q.", shown, u.Scheme+"://"+u.Host))
		return diags
	}
	if api, ok := apiHostOf(u.Hostname()); ok {
		diags.AddAttributeError(path.Root("host"), "Ingestion host instead of API host",
			fmt.Sprintf("host %q is PostHog's ingestion host, which only takes events; the persons API is served by the "+
				"app host. Use %q.", shown, "https://"+api))
		return diags
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		diags.AddAttributeWarning(path.Root("host"), "Unencrypted PostHog host",
			fmt.Sprintf("host %q uses plain http, so the API key and personal data cross the network unencrypted. "+
				"Use https unless this host is a local test server.", shown))
	}
	return diags
}

// apiHostOf maps PostHog Cloud's ingestion hosts (us.i.posthog.com,
// eu.i.posthog.com) to their app hosts.
func apiHostOf(hostname string) (string, bool) {
	region, ok := strings.CutSuffix(strings.ToLower(hostname), ".i.posthog.com")
	if !ok || region == "" || strings.Contains(region, ".") {
		return "", false
	}
	return region + ".posthog.com", true
}

func isLoopback(hostname string) bool {
	if strings.EqualFold(hostname, "localhost") {
		return true
	}
	ip := net.ParseIP(hostname)
	return ip != nil && ip.IsLoopback()
}

// parseProjectID accepts the positive integer that PostHog uses as project
// (environment) id.
func parseProjectID(raw string) (int64, error) {
	return deletion.ParseProjectID(raw)
}

// newLookups returns the read path of this process. Its roster of the ids
// looked up lives beside the pacing journal, one per working directory
// (Terraform runs the provider in the directory it runs in) and workspace.
func newLookups(client *posthog.Client, settings providerSettings) *lookups.Service {
	workDir, err := os.Getwd()
	if err != nil {
		workDir = ""
	}
	service := lookups.New(client, lookups.RosterConfig{
		Dir: settings.journalDir, Host: settings.host, APIKey: settings.apiKey,
		WorkDir: workDir, Workspace: os.Getenv("TF_WORKSPACE"),
	})
	processServices.add(service)
	return service
}

// processServices are the read paths this process built, so that Flush
// can save what they learnt when Terraform ends the process.
var processServices serviceList

type serviceList struct {
	mu       sync.Mutex
	services []*lookups.Service
}

func (l *serviceList) add(s *lookups.Service) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.services = append(l.services, s)
}

// Flush saves what this process's lookups remember for the next command.
// main calls it once the plugin server has stopped.
func Flush() {
	processServices.mu.Lock()
	defer processServices.mu.Unlock()
	for _, s := range processServices.services {
		s.Flush()
	}
}

// pacingJournalDir is where the client shares its pacing history with the
// provider processes of later Terraform commands (the apply after a plan):
// rate_limit_journal_dir, else $POSTHOG_RATE_LIMIT_JOURNAL_DIR, else
// terraform-provider-posthog in the platform's cache directory; "" (no
// journal) for "off" or without a cache directory.
func pacingJournalDir(configured types.String, lookupEnv func(string) (string, bool)) string {
	if raw := stringSetting(configured, envPacingJournalDir, lookupEnv); strings.TrimSpace(raw) != "" {
		if strings.TrimSpace(raw) == "off" {
			return ""
		}
		return raw
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "terraform-provider-posthog")
}

// durationText writes a default duration as users write it ("5m", not
// "5m0s").
func durationText(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
