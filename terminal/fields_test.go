package terminal

import (
	"errors"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/iso8583"
)

func TestField60(t *testing.T) {
	tests := []struct {
		in      string
		want    Field60
		sub     int // expected error subfield, -1 for none
		wantStr string
	}{
		{"22000001000", Field60{Type: "22", Batch: "000001", NetMgmt: "000"}, -1, "22000001000"},
		{"00000001003", Field60{Type: "00", Batch: "000001", NetMgmt: "003"}, -1, "00000001003"},
		{"22000001", Field60{Type: "22", Batch: "000001"}, -1, "22000001"},
		{"22000001000501", Field60{Type: "22", Batch: "000001", NetMgmt: "000", ReadCap: "5", ICCCond: "0", Partial: "1"}, -1, "22000001000501"},
		{"2200000100052", Field60{Type: "22", Batch: "000001", NetMgmt: "000", ReadCap: "5", ICCCond: "2"}, -1, "2200000100052"},
		{"220000010005019", Field60{Type: "22", Batch: "000001", NetMgmt: "000", ReadCap: "5", ICCCond: "0", Partial: "1"}, -1, "22000001000501"},
		{"2", Field60{}, 1, ""},
		{"2200001", Field60{}, 2, ""},
		{"220000010", Field60{}, 3, ""},
		{"22A00001000", Field60{}, 0, ""},
	}
	for _, tc := range tests {
		got, err := ParseField60(tc.in)
		if tc.sub >= 0 {
			var fe *iso8583.FieldError
			if !errors.As(err, &fe) || fe.Field != 60 || fe.Sub != tc.sub {
				t.Errorf("ParseField60(%q) err = %v, want field 60.%d", tc.in, err, tc.sub)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseField60(%q) = %+v, %v", tc.in, got, err)
			continue
		}
		if s := got.String(); s != tc.wantStr {
			t.Errorf("String() = %q, want %q", s, tc.wantStr)
		}
	}
	if got := (Field60{Type: "22", Batch: "000002", ReadCap: "5"}).String(); got != "220000020005" {
		t.Errorf("60.3 defaults to 000 before 60.4: %q", got)
	}
	for _, tc := range []struct{ in, batch, want string }{
		{"00000001003", "000042", "00000042003"},
		{"22000001", "000042", "22000042"},
		{"0", "000042", "00000042"},
		{"", "000042", "00000042"},
	} {
		if got := WithBatch(tc.in, tc.batch); got != tc.want {
			t.Errorf("WithBatch(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var fe *iso8583.FieldError
	if _, err := ParseField60("2200001"); !errors.As(err, &fe) || err.Error() != "field 60.2: length 5, want 6 digits" {
		t.Errorf("error text = %v", err)
	}
}

func TestField61(t *testing.T) {
	tests := []struct {
		in   string
		want Field61
		sub  int
	}{
		{"0000010000021123", Field61{"000001", "000002", "1123"}, -1},
		{"000001000002", Field61{"000001", "000002", ""}, -1},
		{"000001", Field61{OrigBatch: "000001"}, -1},
		{"", Field61{}, -1},
		{"00000100000211230000000000000", Field61{"000001", "000002", "1123"}, -1},
		{"0000", Field61{}, 1},
		{"00000100", Field61{}, 2},
		{"00000100000211", Field61{}, 3},
		{"00000100000X1123", Field61{}, 0},
	}
	for _, tc := range tests {
		got, err := ParseField61(tc.in)
		if tc.sub >= 0 {
			var fe *iso8583.FieldError
			if !errors.As(err, &fe) || fe.Field != 61 || fe.Sub != tc.sub {
				t.Errorf("ParseField61(%q) err = %v, want field 61.%d", tc.in, err, tc.sub)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseField61(%q) = %+v, %v", tc.in, got, err)
		}
	}
	if got := (Field61{OrigDate: "1123"}).String(); got != "0000000000001123" {
		t.Errorf("refund 61 = %q", got)
	}
}

func TestField48(t *testing.T) {
	st := Settlement{
		Totals: posguard.BatchTotals{
			DomesticDebitAmount: 123456, DomesticDebitCount: 7, DomesticCreditAmount: 1000, DomesticCreditCount: 1,
			ForeignDebitAmount: 99, ForeignDebitCount: 2,
		},
		DomesticResult: ResultBalanced, ForeignResult: ResultUnbalanced,
	}
	s := st.String()
	want := "000000123456" + "007" + "000000001000" + "001" + "1" + "000000000099" + "002" + "000000000000" + "000" + "2"
	if s != want {
		t.Fatalf("String() = %s\nwant       %s", s, want)
	}
	back, err := ParseField48(s)
	if err != nil || back != st {
		t.Fatalf("ParseField48 = %+v, %v", back, err)
	}
	// Domestic group only.
	dom, err := ParseField48(want[:31])
	if err != nil || dom.Totals.DomesticDebitCount != 7 || dom.Totals.ForeignDebitAmount != 0 || dom.ForeignResult != '0' {
		t.Errorf("31 digits = %+v, %v", dom, err)
	}
	// A zero result byte is written as 0.
	if got := (Settlement{}).String(); got != strings.Repeat("0", 62) {
		t.Errorf("empty = %q", got)
	}
	for _, bad := range []string{"", "123", strings.Repeat("0", 40), strings.Repeat("0", 30) + "X"} {
		var fe *iso8583.FieldError
		if _, err := ParseField48(bad); !errors.As(err, &fe) || fe.Field != 48 {
			t.Errorf("ParseField48(%q) err = %v", bad, err)
		}
	}
}

func TestField54(t *testing.T) {
	tests := []struct {
		amount posguard.Amount
		want   string
	}{
		{123456, "0002156C000000123456"},
		{0, "0002156C000000000000"},
		{-500, "0002156D000000000500"},
	}
	for _, tc := range tests {
		got, err := BalanceField(tc.amount, "156")
		if err != nil || got != tc.want {
			t.Errorf("BalanceField(%d) = %q, %v; want %q", tc.amount, got, err, tc.want)
			continue
		}
		b, err := ParseField54(got)
		if err != nil || b.Amount != tc.amount || b.Currency != "156" || b.AmountType != "02" {
			t.Errorf("ParseField54(%q) = %+v, %v", got, b, err)
		}
	}
	if _, err := BalanceField(1_000_000_000_000, "156"); err == nil {
		t.Error("13-digit amount accepted")
	}
	if _, err := BalanceField(1, "CNY1"); err == nil {
		t.Error("4-character currency accepted")
	}
	for _, bad := range []string{"0002156C00000012345", "0002156X000000123456", "0002156C0000001234A6"} {
		if _, err := ParseField54(bad); err == nil {
			t.Errorf("ParseField54(%q) accepted", bad)
		}
	}
}

func TestField63(t *testing.T) {
	f, err := ParseField63("CUP交易成功")
	if err != nil || f.First != "CUP" || f.Rest != "交易成功" {
		t.Errorf("ParseField63 = %+v, %v", f, err)
	}
	if _, err := ParseField63("01"); err == nil || !strings.Contains(err.Error(), "field 63.1") {
		t.Errorf("short 63 err = %v", err)
	}
	if got := (Field63{First: "VI"}).String(); got != "VI " {
		t.Errorf("String() = %q", got)
	}
}
