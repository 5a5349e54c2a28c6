package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The expectations follow PostHog's lifecycle: the chart's periods run from
// the period holding date_from to the one holding date_to, in the project's
// timezone (UTC-12 to UTC+14), weeks starting on Sunday or Monday.
func TestDayOutsideRange(t *testing.T) {
	now := time.Date(2024, 6, 17, 10, 0, 0, 0, time.UTC) // a Monday
	cases := []struct {
		name, day, from, to, interval string
		want                          string // "" (accepted), "before" or "after"
	}{
		// -14d is 2024-06-03 10:00 UTC; in UTC-12 the range starts on 06-02.
		{"relative range holds the day", "2024-06-03", "-14d", "", "day", ""},
		{"first day of the range in any timezone", "2024-06-02", "-14d", "", "day", ""},
		{"before the range in every timezone", "2024-05-31", "-14d", "", "day", "before"},
		{"default date_from is -7d", "2024-06-01", "-7d", "", "day", "before"},
		{"all has no start", "2019-01-01", "all", "", "day", ""},
		// Dates against dates: both read in the project's timezone, exact.
		{"first day", "2024-06-03", "2024-06-03", "2024-06-10", "day", ""},
		{"day before date_from", "2024-06-02", "2024-06-03", "2024-06-10", "day", "before"},
		{"last day", "2024-06-10", "2024-06-03", "2024-06-10", "day", ""},
		{"day after date_to", "2024-06-11", "2024-06-03", "2024-06-10", "day", "after"},
		// Without date_to the range ends now: tomorrow has begun in UTC+14
		// (it is 2024-06-18 00:00 there), the day after has not anywhere.
		{"tomorrow in UTC+14", "2024-06-18", "-14d", "", "day", ""},
		{"in the future everywhere", "2024-06-19", "-14d", "", "day", "after"},
		// Weeks: 2024-06-02 is a Sunday, 2024-06-03 a Monday.
		{"Sunday before a Monday date_from starts its week on Sunday", "2024-06-02", "2024-06-03", "2024-06-10", "week", ""},
		{"the week before for either start day", "2024-05-27", "2024-06-03", "2024-06-10", "week", "before"},
		{"mid-week day of the first week", "2024-06-05", "2024-06-05", "2024-06-10", "week", ""},
		{"week after date_to's week", "2024-06-17", "2024-06-03", "2024-06-10", "week", "after"},
		// Months: any day of date_to's month is in the range.
		{"last day of date_to's month", "2024-06-30", "2024-04-01", "2024-06-15", "month", ""},
		{"first day of the next month", "2024-07-01", "2024-04-01", "2024-06-15", "month", "after"},
		{"month before date_from's month", "2024-03-31", "2024-04-20", "2024-06-15", "month", "before"},
		// Hours, with timestamps that carry their zone.
		{"hour in range", "2024-06-17T05:00:00Z", "2024-06-17T00:00:00Z", "2024-06-17T09:00:00Z", "hour", ""},
		{"hour after date_to", "2024-06-17T11:00:00Z", "2024-06-17T00:00:00Z", "2024-06-17T09:00:00Z", "hour", "after"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := dayOutsideRange(c.day, c.from, c.to, c.interval, now)
			switch {
			case c.want == "" && got != "":
				t.Errorf("day %s in %s..%s (%s) rejected: %s", c.day, c.from, c.to, c.interval, got)
			case c.want != "" && !strings.Contains(got, "is "+c.want+" the date range"):
				t.Errorf("day %s in %s..%s (%s): got %q, want a day %s the range", c.day, c.from, c.to, c.interval, got, c.want)
			}
		})
	}
}

// The message names the day, the bound it misses and what to change.
func TestDayOutsideRangeMessages(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 5, 0, 0, time.UTC)
	for _, c := range []struct{ day, from, to string }{
		{"2024-06-03", "-14d", ""},
		{"2026-12-02", "-14d", ""},
		{"2024-06-12", "2024-06-01", "2024-06-10"},
	} {
		got := dayOutsideRange(c.day, c.from, c.to, "day", now)
		t.Log(got)
		var want []string
		switch {
		case c.from == "-14d" && c.day < "2026":
			want = []string{`day "2024-06-03" is before the date range`, `date_from "-14d" (2026-11-16 when this plan was made, at 2026-11-30 08:05 UTC)`,
				`Set date_from to "2024-06-03" or earlier`, "list nobody"}
		case c.to == "":
			want = []string{`day "2026-12-02" is after the date range`, "ends now (2026-11-30 08:05 UTC) because date_to is not set", "Choose a day that has begun"}
		default:
			want = []string{`day "2024-06-12" is after the date range`, `date_to "2024-06-10"`, `Set date_to to "2024-06-12" or later`}
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("message for day %s in %s..%s lacks %q:\n%s", c.day, c.from, c.to, w, got)
			}
		}
	}
}

// The validator reads the configuration, fills in date_from's default and
// reports on the day attribute; unknown values are left for later.
func TestLifecycleDayValidator(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2024, 6, 17, 10, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name   string
		values map[string]tftypes.Value
		errors int
	}{
		{"default date_from -7d excludes an older day", map[string]tftypes.Value{"day": tfString("2024-06-01")}, 1},
		{"default date_from -7d holds a recent day", map[string]tftypes.Value{"day": tfString("2024-06-12")}, 0},
		{"explicit range", map[string]tftypes.Value{"day": tfString("2024-06-01"), "date_from": tfString("2024-05-01"), "date_to": tfString("2024-06-10")}, 0},
		{"after date_to", map[string]tftypes.Value{"day": tfString("2024-06-11"), "date_from": tfString("2024-05-01"), "date_to": tfString("2024-06-10")}, 1},
		{"unknown date_from", map[string]tftypes.Value{"day": tfString("2024-06-01"), "date_from": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}, 0},
		{"unknown day", map[string]tftypes.Value{"day": tftypes.NewValue(tftypes.String, tftypes.UnknownValue)}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := datasource.ValidateConfigRequest{Config: lifecycleConfig(t, c.values)}
			var resp datasource.ValidateConfigResponse
			lifecycleDayValidator{now: now}.ValidateDataSource(ctx, req, &resp)
			if got := resp.Diagnostics.ErrorsCount(); got != c.errors {
				t.Fatalf("%d errors, want %d: %v", got, c.errors, resp.Diagnostics)
			}
			for _, d := range resp.Diagnostics.Errors() {
				withPath, ok := d.(interface{ Path() path.Path })
				if !ok || !withPath.Path().Equal(path.Root("day")) {
					t.Errorf("the error should be on day: %v", d)
				}
			}
		})
	}
	// Wired into the data source.
	found := false
	for _, v := range (&lifecyclePersonsDataSource{}).ConfigValidators(ctx) {
		if _, ok := v.(lifecycleDayValidator); ok {
			found = true
		}
	}
	if !found {
		t.Error("posthog_lifecycle_persons does not run lifecycleDayValidator")
	}
}

func tfString(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// lifecycleConfig is a posthog_lifecycle_persons configuration with the
// given attributes set and every other one null.
func lifecycleConfig(t *testing.T, values map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	var resp datasource.SchemaResponse
	(&lifecyclePersonsDataSource{}).Schema(ctx, datasource.SchemaRequest{}, &resp)
	objType, ok := resp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the schema is not an object")
	}
	attrs := make(map[string]tftypes.Value, len(objType.AttributeTypes))
	for name, typ := range objType.AttributeTypes {
		attrs[name] = tftypes.NewValue(typ, nil)
	}
	for name, v := range values {
		attrs[name] = v
	}
	return tfsdk.Config{Schema: resp.Schema, Raw: tftypes.NewValue(objType, attrs)}
}
