package main

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// TestIssuerOutageIncident cuts one issuer's BIN off in simnet: the host
// opens an "issuer unavailable" incident naming the BIN and the affected
// merchant, and closes it once the issuer answers again.
func TestIssuerOutageIncident(t *testing.T) {
	wd := startWorld(t, "", 200*time.Millisecond, "--incident-window", "6s")
	ctx := context.Background()
	term := dialRaw(t, wd.termAdr, shopTID, shopMID, shopTMK, "003", "cups-ecb")
	if c := term.signOn(); c != "00" {
		t.Fatalf("sign-on: %s", c)
	}
	cards := []struct {
		pan posguard.PAN
		exp string
	}{{"6222020000000000034", "3108"}, {"6222020000000000042", "2812"}, {"6222020000000000067", "3106"}, {"6222020000000000083", "3204"}}
	sale := func(i int) string {
		c := cards[i%len(cards)]
		a := term.send(term.sale(c.pan, c.exp, "123456", 100), true)
		if a == nil {
			t.Fatal("connection closed")
		}
		return a.Get(39)
	}
	if err := postFaults(wd.admin, "outage=622202:60s"); err != nil {
		t.Fatal(err)
	}
	n := 0
	open := waitIncident(t, wd, posguard.IncidentOpen, func() {
		if c := sale(n); c != "98" {
			t.Fatalf("sale during the outage: %s, want 98", c)
		}
		n++
	})
	if open.Kind != posguard.IncidentIssuerUnavailable || open.Key != "622202" || !open.Affects(shopMID) {
		t.Fatalf("incident %+v", open)
	}
	// The issuer answers again: the incident closes as healthy traffic flows.
	if err := postFaults(wd.admin, "latency=0ms"); err != nil {
		t.Fatal(err)
	}
	closed := waitIncident(t, wd, posguard.IncidentClosed, func() {
		if c := sale(n); c != "00" {
			t.Fatalf("sale after recovery: %s", c)
		}
		n++
	})
	if closed.ID != open.ID {
		t.Fatalf("closed incident %d, opened %d", closed.ID, open.ID)
	}
	wd.checkMoney(ctx)
}

// waitIncident polls the store for an issuer incident in status st, calling
// between each look (to keep traffic flowing), for at most 30 s.
func waitIncident(t *testing.T, wd *world, st posguard.IncidentStatus, between func()) *posguard.Incident {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		list, err := wd.serve.store.Incidents(context.Background(), posguard.IncidentFilter{Status: st, Kind: posguard.IncidentIssuerUnavailable})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) > 0 {
			return list[0]
		}
		between()
		time.Sleep(100 * time.Millisecond) // the detector runs on its own ticker
	}
	t.Fatalf("no %s issuer incident within 30s", st)
	return nil
}
