package posguard_test

import (
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func TestCalendarSettlementDate(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var def posguard.Calendar // UTC+8, 23:00
	early := posguard.Calendar{Cutoff: 16 * time.Hour}
	tests := []struct {
		cal          posguard.Calendar
		at           string
		date, settle string
	}{
		{def, "2026-11-20T14:59:59Z", "2026-11-20", "2026-11-20"}, // 22:59:59 local
		{def, "2026-11-20T15:00:00Z", "2026-11-20", "2026-11-21"}, // 23:00 local: rolled
		{def, "2026-11-20T16:00:00Z", "2026-11-21", "2026-11-21"}, // 00:00 next day local
		{early, "2026-11-20T07:59:00Z", "2026-11-20", "2026-11-20"},
		{early, "2026-11-20T08:00:00Z", "2026-11-20", "2026-11-21"},
		{posguard.Calendar{Location: time.UTC}, "2026-11-20T22:59:00Z", "2026-11-20", "2026-11-20"},
	}
	for _, tt := range tests {
		at := utc(tt.at)
		if got := tt.cal.Date(at); got != tt.date {
			t.Errorf("%v Date(%s) = %s, want %s", tt.cal, tt.at, got, tt.date)
		}
		if got := tt.cal.SettlementDate(at); got != tt.settle {
			t.Errorf("%v SettlementDate(%s) = %s, want %s", tt.cal, tt.at, got, tt.settle)
		}
	}
}

func TestCalendarDayClosed(t *testing.T) {
	var cal posguard.Calendar
	now := time.Date(2026, 11, 20, 22, 0, 0, 0, posguard.ChinaStandardTime) // before the cut-off
	for date, want := range map[string]bool{
		"2026-11-19": true,
		"2026-11-20": false, // today, before the cut-off
		"2026-11-21": false, // future
		"bad":        false,
	} {
		if got := cal.DayClosed(date, now); got != want {
			t.Errorf("DayClosed(%s) = %v, want %v", date, got, want)
		}
	}
	if !cal.DayClosed("2026-11-20", now.Add(time.Hour)) { // 23:00: rolled over
		t.Error("today is not closed after the cut-off")
	}
}
