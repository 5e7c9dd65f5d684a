package simnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/recon/clearing"
)

// clearingNet returns a network whose clock is now (settable) with one card.
func clearingNet(now *time.Time) *Network {
	cards := []posguard.Card{{PAN: "6225880000001017", Expiry: "2812", PIN: pinOK, Balance: 1000000, Status: posguard.CardActive}}
	return New(cards, testZoneKey, Options{Logger: quiet(), Now: func() time.Time { return *now }})
}

func sale(n *Network, stan string, amt posguard.Amount) *posguard.UpstreamResponse {
	o := n.process(&posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: "6225880000001017", Amount: amt,
		STAN: stan, Time: "1123" + stan, RRN: "3327100" + stan[1:], TerminalID: "10000011", MerchantID: "898310048990001",
		AcquirerID: "48021000", MCC: "5411", EntryMode: "021"})
	return o.resp
}

func readClearing(t *testing.T, data []byte) []*clearing.Line {
	t.Helper()
	r := clearing.NewClearingReader(bytes.NewReader(data), "IND26112301ACOM", "48021000")
	var out []*clearing.Line
	for {
		l, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
}

func TestClearingFile(t *testing.T) {
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 Beijing
	n := clearingNet(&now)
	sale(n, "000101", 1000)
	v := sale(n, "000102", 2000)
	// its void
	o := n.process(&posguard.UpstreamRequest{MTI: "0200", ProcCode: "200000", PAN: "6225880000001017", Amount: 2000,
		STAN: "000103", Time: "1123000103", RRN: "332710000103", TerminalID: "10000011", MerchantID: "898310048990001",
		AcquirerID: "48021000", Original: &posguard.OriginalData{MTI: "0200", STAN: "000102", Time: "1123000102"}})
	if v.Code != "00" || o.resp.Code != "00" {
		t.Fatal(v.Code, o.resp.Code)
	}
	// reversed sale: not in the file
	sale(n, "000104", 4000)
	n.process(&posguard.UpstreamRequest{MTI: "0420", ProcCode: "000000", PAN: "6225880000001017", Amount: 4000,
		STAN: "000104", Time: "1123000199", TerminalID: "10000011", AcquirerID: "48021000",
		Original: &posguard.OriginalData{MTI: "0200", STAN: "000104", Time: "1123000104"}})
	// 23:00 Beijing: the next date
	now = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	sale(n, "000105", 5000)

	srv := httptest.NewServer(n.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/clearing?date=2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="IND26112301ACOM"` {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	lines := readClearing(t, body)
	got := ""
	for _, l := range lines {
		got += fmt.Sprintf("%s %s %d %s %s;", l.RRN, l.Kind, l.Amount, l.OrigTrace, l.Card)
	}
	want := "332710000101 sale 1000 000000 622588******1017;332710000102 sale 2000 000000 622588******1017;" +
		"332710000103 void 2000 000102 622588******1017;"
	if got != want {
		t.Errorf("file:\n%s\nwant\n%s", got, want)
	}
	if next := readClearing(t, mustGet(t, srv.URL+"/clearing?date=2026-11-24")); len(next) != 1 || next[0].Amount != 5000 {
		t.Errorf("next date: %v", next)
	}
	if b := mustGet(t, srv.URL+"/clearing?date=2026-11-25"); len(b) != 0 {
		t.Errorf("empty date: %q", b)
	}
	if r, _ := http.Get(srv.URL + "/clearing?date=2026-13-01"); r.StatusCode != 400 {
		t.Errorf("bad date: %d", r.StatusCode)
	}

	// Knobs: every line dropped / reversed sales written / amounts changed.
	if err := n.SetFaults("clearing_reversed=1,clearing_amount=1"); err != nil {
		t.Fatal(err)
	}
	lines = readClearing(t, mustGet(t, srv.URL+"/clearing?date=2026-11-23"))
	if len(lines) != 4 || lines[0].Amount != 1100 || lines[3].RRN != "332710000104" {
		t.Errorf("with knobs: %d lines %+v", len(lines), lines)
	}
	var faults []ClearingFault
	json.Unmarshal(mustGet(t, srv.URL+"/clearing/faults?date=2026-11-23"), &faults)
	if len(faults) != 5 || faults[3] != (ClearingFault{"332710000104", "10000011", "898310048990001", FaultClearingReversed}) {
		t.Errorf("faults: %+v", faults)
	}
	n.SetFaults("clearing_dup=1")
	if lines = readClearing(t, mustGet(t, srv.URL+"/clearing?date=2026-11-23")); len(lines) != 6 || lines[0].RRN != lines[1].RRN {
		t.Errorf("dup: %d lines", len(lines))
	}
	n.SetFaults("clearing_drop=0.5")
	a, b := mustGet(t, srv.URL+"/clearing?date=2026-11-23"), mustGet(t, srv.URL+"/clearing?date=2026-11-23")
	if !bytes.Equal(a, b) {
		t.Error("the same date gave two files")
	}
}

func mustGet(t *testing.T, url string) []byte {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return b
}

func TestCreditAdjustment(t *testing.T) {
	now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	n := clearingNet(&now)
	sale(n, "000101", 1000)
	o := n.process(&posguard.UpstreamRequest{MTI: "0220", ProcCode: "220000", PAN: "6225880000001017", Amount: 1000,
		STAN: "000201", Time: "1123000201", RRN: "332710000201", TerminalID: "10000011", MerchantID: "898310048990001",
		AcquirerID: "48021000", Original: &posguard.OriginalData{MTI: "0200", STAN: "000101", Time: "1123000101"}})
	if o.resp.Code != "00" {
		t.Fatal(o.resp.Code)
	}
	if taken := n.Taken("6225880000001017"); taken != 0 {
		t.Errorf("taken %d after the adjustment, want 0", taken)
	}
	b, _ := n.Clearing("2026-11-23")
	lines := readClearing(t, b)
	if len(lines) != 2 || lines[1].Kind != clearing.KindCreditAdjustment || lines[1].OrigTrace != "000101" || lines[1].OrigTime != "1123000101" {
		t.Errorf("lines %+v", lines)
	}
}
