package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// PostHog's lifecycle lists the persons of the periods of its chart only,
// those from the start of date_from's period to the one holding date_to
// (docs/dev/posthog-behaviour.md#lifecycle); a day outside them lists
// nobody, without an error. A relative date_from such as -14d moves with
// time, so a fixed day falls out of the range silently: this check makes
// it a plan-time error.
//
// PostHog reads dates in the project's timezone and truncates them to the
// start of their interval (weeks start on the project's week start day),
// neither of which is known at plan time. The check therefore rejects only
// a day whose period lies outside the range whatever the timezone and week
// start: near the edge of the range it may let a day through, but it never
// rejects one PostHog would answer for.

// timezoneSlack covers the difference between a date read in the project's
// timezone and one resolved against now: timezones run from UTC-12 to
// UTC+14.
const timezoneSlack = 14 * time.Hour

// lifecycleDayValidator rejects a day outside the date range. now is
// time.Now when nil (tests set it).
type lifecycleDayValidator struct {
	now func() time.Time
}

func (lifecycleDayValidator) Description(context.Context) string {
	return "day must lie within the date range (date_from to date_to)"
}

func (lifecycleDayValidator) MarkdownDescription(context.Context) string {
	return "`day` must lie within the date range (`date_from` to `date_to`)"
}

func (v lifecycleDayValidator) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var day, from, to, interval types.String
	for name, target := range map[string]*types.String{"day": &day, "date_from": &from, "date_to": &to, "interval": &interval} {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), target)...)
	}
	if resp.Diagnostics.HasError() || day.IsNull() || day.IsUnknown() || from.IsUnknown() || to.IsUnknown() || interval.IsUnknown() {
		return
	}
	if strings.HasPrefix(day.ValueString(), "0000-") || strings.HasPrefix(day.ValueString(), "0001-") {
		// Terraform before 1.9 evaluates plantimestamp() as the zero time
		// while validating; the plan validates the real day again.
		return
	}
	fromText := from.ValueString()
	if from.IsNull() {
		fromText = defaultDateFrom
	}
	now := time.Now
	if v.now != nil {
		now = v.now
	}
	problem := dayOutsideRange(day.ValueString(), fromText, to.ValueString(), interval.ValueString(), now().UTC())
	if problem != "" {
		resp.Diagnostics.AddAttributeError(path.Root("day"), "day is outside the date range", problem)
	}
}

// rangePoint is a date argument resolved for the comparison.
type rangePoint struct {
	text  string
	t     time.Time
	local bool // a wall-clock date or time, read in the project's timezone
	bare  bool // a date without a time of day
}

// pointOf resolves a date argument against now (end: a bare date means the
// end of its day); ok is false for forms the attribute validators reject.
func pointOf(s string, now time.Time, end bool) (rangePoint, bool) {
	t, ok := parseDate(s, now, end)
	if !ok || s == "all" {
		return rangePoint{}, false
	}
	p := rangePoint{text: s, t: t}
	if relativeDateRE.MatchString(s) {
		return p, true
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return p, true
	}
	p.local = true
	_, err := time.Parse("2006-01-02", s)
	p.bare = err == nil
	return p, true
}

// slack is the timezone allowance between two points: none when both are
// wall-clock values or both absolute, since they then shift together.
func slack(a, b rangePoint) time.Duration {
	if a.local == b.local && !relativeDateRE.MatchString(a.text) && !relativeDateRE.MatchString(b.text) {
		return 0
	}
	return timezoneSlack
}

// intervalLength is an upper bound of one period of interval.
func intervalLength(interval string) time.Duration {
	switch interval {
	case "hour":
		return time.Hour
	case "week":
		return 7 * 24 * time.Hour
	case "month":
		return 31 * 24 * time.Hour
	}
	return 24 * time.Hour
}

// weekStarts are the week start days a project can have.
var weekStarts = []time.Weekday{time.Sunday, time.Monday}

// periodOf is the period of interval that holds p, for weeks starting on
// weekStart. A wall-clock value gives its exact period (in the project's
// timezone, as p is); for an absolute one, whose period depends on the
// timezone, it gives bounds that hold in every timezone.
func periodOf(p rangePoint, interval string, weekStart time.Weekday) (start, end time.Time) {
	if !p.local {
		return p.t.Add(-intervalLength(interval)), p.t.Add(intervalLength(interval))
	}
	day := p.t.Truncate(24 * time.Hour)
	switch interval {
	case "hour":
		start := p.t.Truncate(time.Hour)
		return start, start.Add(time.Hour)
	case "week":
		start := day.AddDate(0, 0, -((int(day.Weekday()) - int(weekStart) + 7) % 7))
		return start, start.AddDate(0, 0, 7)
	case "month":
		start := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0)
	}
	return day, day.AddDate(0, 0, 1)
}

// dayOutsideRange explains why day's period cannot be in the range from..to
// (to "" meaning now), or returns "" when it may be. A day is outside only
// when it is outside for either week start day.
func dayOutsideRange(dayText, fromText, toText, interval string, now time.Time) string {
	day, ok := pointOf(dayText, now, false)
	if !ok {
		return ""
	}
	from, hasFrom := pointOf(fromText, now, false) // "all" has no start
	to := rangePoint{text: "now", t: now}
	if toText != "" {
		if to, ok = pointOf(toText, now, true); !ok {
			return ""
		}
	}
	before, after := hasFrom, true
	for _, ws := range weekStarts {
		dayStart, dayEnd := periodOf(day, interval, ws)
		if hasFrom {
			fromStart, _ := periodOf(from, interval, ws)
			before = before && !dayEnd.Add(slack(day, from)).After(fromStart)
		}
		// The range's last period is the one that holds date_to.
		after = after && dayStart.Add(-slack(day, to)).After(to.t)
	}
	switch {
	case before:
		return fmt.Sprintf("day %q is before the date range, which starts at date_from %s, so PostHog's lifecycle "+
			"has no period for it and the data source would list nobody. Set date_from to %q or earlier (and "+
			"date_to to %q or later, to keep the range short), or choose a day within the range.",
			dayText, describePoint(from, now, interval), dayText, dayText)
	case after && toText == "":
		return fmt.Sprintf("day %q is after the date range, which ends now (%s UTC) because date_to is not set, "+
			"so PostHog's lifecycle has no period for it and the data source would list nobody. Choose a day "+
			"that has begun.", dayText, now.Format("2006-01-02 15:04"))
	case after:
		return fmt.Sprintf("day %q is after the date range, which ends at date_to %s, so PostHog's lifecycle has no "+
			"period for it and the data source would list nobody. Set date_to to %q or later, or choose a day "+
			"within the range.", dayText, describePoint(to, now, interval), dayText)
	}
	return ""
}

// describePoint quotes a date argument, with what a relative one means now.
func describePoint(p rangePoint, now time.Time, interval string) string {
	if !relativeDateRE.MatchString(p.text) {
		return fmt.Sprintf("%q", p.text)
	}
	layout := "2006-01-02"
	if interval == "hour" {
		layout = "2006-01-02 15:04 UTC"
	}
	return fmt.Sprintf("%q (%s when this plan was made, at %s UTC)", p.text, p.t.Format(layout), now.Format("2006-01-02 15:04"))
}
