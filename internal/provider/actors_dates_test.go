package provider

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	now := time.Date(2024, 6, 15, 10, 0, 0, 0, time.UTC)
	for in, ok := range map[string]bool{
		"2024-01-31": true, "2024-01-31T12:00:00Z": true, "2024-01-31T12:00:00": true, "2024-01-31 12:00:00": true,
		"-7d": true, "-2w": true, "-1m": true, "-24h": true, "-1y": true, "-1mStart": true, "-30M": true, "all": true,
		"2024-02-30": false, "7d": false, "-7days": false, "yesterday": false, "": false, "-1mstart": false,
	} {
		if _, got := parseDate(in, now, false); got != ok {
			t.Errorf("parseDate(%q) ok = %v; want %v", in, got, ok)
		}
	}
	end, _ := parseDate("2024-01-31", now, true)
	if end.Format(time.RFC3339) != "2024-01-31T23:59:59Z" {
		t.Errorf("a bare date_to should mean the end of its day: %s", end)
	}
}
