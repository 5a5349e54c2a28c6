package emulator

// Time for the Query API: the team timezone, intervals and date ranges.

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // team timezones must resolve on hosts without zoneinfo
)

// teamClock carries the team settings that lifecycle and funnels depend on.
type teamClock struct {
	loc       *time.Location
	weekStart time.Weekday
	now       time.Time
}

// ValidTimezone reports whether Config.Timezone names a known zone ("" = UTC).
func ValidTimezone(name string) bool {
	_, err := time.LoadLocation(name)
	return err == nil
}

func (s *Server) teamClock() teamClock {
	loc := time.UTC
	if s.cfg.Timezone != "" {
		if l, err := time.LoadLocation(s.cfg.Timezone); err == nil {
			loc = l
		}
	}
	return teamClock{loc: loc, weekStart: time.Weekday(s.cfg.WeekStartDay % 7), now: s.now()}
}

var intervals = []string{"second", "minute", "hour", "day", "week", "month"}

// trunc is start_of_interval in the team timezone.
func (c teamClock) trunc(t time.Time, interval string) time.Time {
	t = t.In(c.loc)
	y, mo, d := t.Date()
	switch interval {
	case "second":
		return t.Truncate(time.Second)
	case "minute":
		return time.Date(y, mo, d, t.Hour(), t.Minute(), 0, 0, c.loc)
	case "hour":
		return time.Date(y, mo, d, t.Hour(), 0, 0, 0, c.loc)
	case "week":
		back := (int(t.Weekday()) - int(c.weekStart) + 7) % 7
		return time.Date(y, mo, d-back, 0, 0, 0, 0, c.loc)
	case "month":
		return time.Date(y, mo, 1, 0, 0, 0, 0, c.loc)
	}
	return time.Date(y, mo, d, 0, 0, 0, 0, c.loc)
}

func addInterval(t time.Time, interval string, n int) time.Time {
	switch interval {
	case "second":
		return t.Add(time.Duration(n) * time.Second)
	case "minute":
		return t.Add(time.Duration(n) * time.Minute)
	case "hour":
		return t.Add(time.Duration(n) * time.Hour)
	case "week":
		return t.AddDate(0, 0, 7*n)
	case "month":
		return t.AddDate(0, n, 0)
	}
	return t.AddDate(0, 0, n)
}

var relDate = regexp.MustCompile(`^-?(\d+)([hdwmqyM])(Start|End)?$`)

// parseDate resolves a DateRange bound. A bare date is the start of that day in
// the team timezone, or its end for date_to (unless explicitDate). Relative
// forms ("-7d", "-1mStart", "-2w", "-3h") are resolved against the emulator
// clock; "all" is the epoch for date_from. Exact PostHog edge rules (rounding of
// relative day/week/month offsets) are approximated.
func (c teamClock) parseDate(raw string, isTo, explicit bool) (time.Time, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "all" {
		return time.Unix(0, 0).UTC(), true
	}
	if m := relDate.FindStringSubmatch(raw); m != nil {
		n, _ := strconv.Atoi(m[1])
		if !strings.HasPrefix(raw, "-") {
			n = -n
		}
		now := c.now.In(c.loc)
		var t time.Time
		unit := ""
		switch m[2] {
		case "h":
			t, unit = now.Add(-time.Duration(n)*time.Hour), "hour"
		case "d":
			t, unit = now.AddDate(0, 0, -n), "day"
		case "w":
			t, unit = now.AddDate(0, 0, -7*n), "week"
		case "m", "M":
			t, unit = now.AddDate(0, -n, 0), "month"
		case "q":
			t, unit = now.AddDate(0, -3*n, 0), "month"
		case "y":
			t, unit = now.AddDate(-n, 0, 0), "year"
		}
		switch {
		case m[3] == "Start" && unit == "year":
			return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, c.loc), true
		case m[3] == "End" && unit == "year":
			return time.Date(t.Year(), 12, 31, 23, 59, 59, 999999000, c.loc), true
		case m[3] == "Start":
			return c.trunc(t, unit), true
		case m[3] == "End":
			return addInterval(c.trunc(t, unit), unit, 1).Add(-time.Microsecond), true
		case unit == "hour":
			return t, true
		case isTo:
			return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 999999000, c.loc), true
		default:
			return c.trunc(t, "day"), true
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", raw, c.loc); err == nil {
		if isTo && !explicit {
			return t.AddDate(0, 0, 1).Add(-time.Microsecond), true
		}
		return t, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, raw, c.loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// dateRange resolves {date_from, date_to, explicitDate}. The default date_from
// when omitted is "-7d", UNVERIFIED (docs/dev/posthog-behaviour.md#lifecycle); date_to defaults to now.
func (c teamClock) dateRange(model, loc string, raw any) (from, to time.Time, err *queryError) {
	m := jobj{}
	if raw != nil {
		var ok bool
		if m, ok = asObj(raw); !ok {
			return from, to, qParse(model, loc, "Input should be a valid dictionary or object [type=model_type]")
		}
	}
	if e := checkKeys(model, loc, m, "date_from", "date_to", "explicitDate"); e != nil {
		return from, to, e
	}
	explicit, _ := m["explicitDate"].(bool)
	fromS, e := optString(model, loc, m, "date_from")
	if e != nil {
		return from, to, e
	}
	toS, e := optString(model, loc, m, "date_to")
	if e != nil {
		return from, to, e
	}
	fs := "-7d"
	if fromS != nil && *fromS != "" {
		fs = *fromS
	}
	var ok bool
	if from, ok = c.parseDate(fs, false, explicit); !ok {
		return from, to, qValidation("Unable to parse date_from: " + fs)
	}
	to = c.now
	if toS != nil && *toS != "" {
		if to, ok = c.parseDate(*toS, true, explicit); !ok {
			return from, to, qValidation("Unable to parse date_to: " + *toS)
		}
	}
	return from, to, nil
}
