package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The date arguments of the actors data sources: the forms PostHog accepts
// for date_from and date_to, the lifecycle day, and their validators.

var (
	relativeDateRE = regexp.MustCompile(`^-(\d+)([hdwmqyM])(Start|End)?$`)
	dateLayouts    = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02"}
)

const dateForms = "a date such as 2024-01-31, a timestamp such as 2024-01-31T12:00:00Z, or a relative date such as -7d, -2w, -1m, -24h, -1y or -1mStart"

// parseDate resolves a date argument against now. end makes a bare date mean
// the end of its day (PostHog's date_to). ok is false for malformed input;
// "all" gives the zero time.
func parseDate(s string, now time.Time, end bool) (time.Time, bool) {
	if s == "all" {
		return time.Time{}, true
	}
	if m := relativeDateRE.FindStringSubmatch(s); m != nil {
		return relativeDate(now, m[1], m[2], m[3])
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if layout == "2006-01-02" && end {
				t = t.Add(24*time.Hour - time.Nanosecond)
			}
			return t, true
		}
	}
	return time.Time{}, false
}

// relativeDate is now minus count units, moved to the start or end of its
// day when edge says so.
func relativeDate(now time.Time, count, unit, edge string) (time.Time, bool) {
	n, err := strconv.Atoi(count)
	if err != nil {
		return time.Time{}, false
	}
	t := now
	switch unit {
	case "M":
		t = t.Add(-time.Duration(n) * time.Minute)
	case "h":
		t = t.Add(-time.Duration(n) * time.Hour)
	case "d":
		t = t.AddDate(0, 0, -n)
	case "w":
		t = t.AddDate(0, 0, -7*n)
	case "m":
		t = t.AddDate(0, -n, 0)
	case "q":
		t = t.AddDate(0, -3*n, 0)
	case "y":
		t = t.AddDate(-n, 0, 0)
	}
	switch edge {
	case "Start":
		t = t.Truncate(24 * time.Hour)
	case "End":
		t = t.Truncate(24 * time.Hour).Add(24*time.Hour - time.Nanosecond)
	}
	return t, true
}

// dateValidator checks date_from / date_to forms.
type dateValidator struct{ allowAll bool }

func (v dateValidator) Description(context.Context) string {
	if v.allowAll {
		return "must be " + dateForms + ", or all"
	}
	return "must be " + dateForms
}

func (v dateValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v dateValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if _, ok := parseDate(s, time.Now(), false); !ok || (s == "all" && !v.allowAll) {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid date",
			fmt.Sprintf("%q is not a date PostHog understands: use %s.", s, v.Description(context.Background())[len("must be "):]))
	}
}

// dayValidator requires an absolute date or timestamp (the lifecycle period).
type dayValidator struct{}

func (dayValidator) Description(context.Context) string {
	return "must be a date such as 2024-01-31 or a timestamp such as 2024-01-31T12:00:00Z"
}

func (v dayValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v dayValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	valid := false
	for _, layout := range dateLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			valid = true
			break
		}
	}
	if !valid {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid day",
			fmt.Sprintf("%q is not a day: day %s, the start of the period to list persons for (relative dates are not accepted here).",
				s, v.Description(context.Background())))
	}
}

// dateOrderValidator rejects date_to before date_from.
type dateOrderValidator struct{}

func (dateOrderValidator) Description(context.Context) string {
	return "date_to must not be before date_from"
}

func (v dateOrderValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (dateOrderValidator) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var from, to types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("date_from"), &from)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("date_to"), &to)...)
	if from.IsNull() || from.IsUnknown() || to.IsNull() || to.IsUnknown() {
		return
	}
	now := time.Now()
	f, okF := parseDate(from.ValueString(), now, false)
	t, okT := parseDate(to.ValueString(), now, true)
	if okF && okT && t.Before(f) {
		resp.Diagnostics.AddAttributeError(path.Root("date_to"), "date_to is before date_from",
			fmt.Sprintf("date_to (%s) is before date_from (%s), so the date range is empty. Swap them or correct one of them.",
				to.ValueString(), from.ValueString()))
	}
}
