package simnet

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

func TestFaultTimeoutDebitsWithoutAnswer(t *testing.T) {
	r := newRig(t, "timeout=1")
	sale := r.sale(panOK, 800)
	err := r.sendNoAnswer(sale)
	if posguard.ErrorCode(err) != posguard.ETIMEOUT {
		t.Fatalf("Send = %v, want timeout", err)
	}
	if got := r.taken(panOK); got != 800 {
		t.Fatalf("taken %d: a timeout fault applies the debit", got)
	}
	// The host reverses; reversals are not subject to timeouts.
	if resp := r.send(r.reversalOf(sale)); resp.Code != "00" {
		t.Fatalf("reversal: %s", resp.Code)
	}
	if got := r.taken(panOK); got != 0 {
		t.Fatalf("taken after reversal %d", got)
	}
	if st := r.net.Stats(); st.Faults[FaultTimeout] != 1 {
		t.Fatalf("faults %v", st.Faults)
	}
}

func TestFaultTimeoutNoDebit(t *testing.T) {
	r := newRig(t, "timeout_no_debit=1")
	if err := r.sendNoAnswer(r.sale(panOK, 800)); posguard.ErrorCode(err) != posguard.ETIMEOUT {
		t.Fatalf("Send = %v, want timeout", err)
	}
	if got := r.taken(panOK); got != 0 {
		t.Fatalf("taken %d, want nothing applied", got)
	}
	if st := r.net.Stats(); st.Faults[FaultTimeoutNoDebit] != 1 {
		t.Fatalf("faults %v", st.Faults)
	}
}

func TestFaultDropAfterApprove(t *testing.T) {
	r := newRig(t, "drop_after_approve=1")
	sale := r.sale(panOK, 900)
	if err := r.sendNoAnswer(sale); posguard.ErrorCode(err) != posguard.ETIMEOUT {
		t.Fatalf("Send = %v, want timeout", err)
	}
	if got := r.taken(panOK); got != 900 {
		t.Fatalf("taken %d: the approval was applied", got)
	}
	// Declines are answered: only approvals are lost.
	if resp := r.send(r.sale(panLost, 100)); resp.Code != "41" {
		t.Fatalf("decline: %s", resp.Code)
	}
	st := r.net.Stats()
	if st.Faults[FaultDropAfterApprove] != 1 || st.Faults[FaultTimeout] != 0 {
		t.Fatalf("faults %v", st.Faults)
	}
	// A retransmission is recognised: same (lost) answer, no second debit.
	r.faults("")
	if resp := r.send(sale); resp.Code != "00" || r.taken(panOK) != 900 {
		t.Fatalf("retransmission: %s, taken %d", resp.Code, r.taken(panOK))
	}
}

func TestFaultOutageThenRecovery(t *testing.T) {
	r := newRig(t, "outage=622588:30s")
	sale := r.sale(panOK, 1000)
	if err := r.sendNoAnswer(sale); posguard.ErrorCode(err) != posguard.ETIMEOUT {
		t.Fatalf("Send during outage = %v, want timeout", err)
	}
	if r.taken(panOK) != 0 {
		t.Fatal("an outage applied the request")
	}
	// Other BINs are served.
	if resp := r.send(r.sale(panOther, 100)); resp.Code != "00" {
		t.Fatalf("other BIN during outage: %s", resp.Code)
	}
	// Reversals to the BIN are not answered during the outage either.
	rev := r.reversalOf(sale)
	if err := r.sendNoAnswer(rev); posguard.ErrorCode(err) != posguard.ETIMEOUT {
		t.Fatalf("reversal during outage = %v", err)
	}
	r.clock.Add(31 * time.Second)
	if resp := r.send(rev); resp.Code != "00" {
		t.Fatalf("reversal after outage: %s", resp.Code)
	}
	if resp := r.send(r.sale(panOK, 1000)); resp.Code != "00" {
		t.Fatalf("sale after outage: %s", resp.Code)
	}
	if st := r.net.Stats(); st.Faults[FaultOutage] != 2 {
		t.Fatalf("faults %v", st.Faults)
	}
}

func TestFaultDeclineBurst(t *testing.T) {
	r := newRig(t, "decline_burst=622588:10s")
	if resp := r.send(r.sale(panOK, 100)); resp.Code != "91" {
		t.Fatalf("during burst: %s, want 91", resp.Code)
	}
	if r.taken(panOK) != 0 {
		t.Fatal("a 91 moved money")
	}
	r.clock.Add(10 * time.Second)
	if resp := r.send(r.sale(panOK, 100)); resp.Code != "00" {
		t.Fatalf("after burst: %s", resp.Code)
	}
}

func TestFaultGarbage(t *testing.T) {
	r := newRig(t, "garbage=1")
	sale := r.sale(panOK, 600)
	_, err := r.sendErr(sale)
	if posguard.ErrorCode(err) != posguard.EINTERNAL || !strings.Contains(err.Error(), "untrusted answer") {
		t.Fatalf("Send = %v; want an untrusted answer error", err)
	}
	if r.taken(panOK) != 600 {
		t.Fatal("garbage fault must apply the request")
	}
	// Reversals are answered cleanly.
	if resp := r.send(r.reversalOf(sale)); resp.Code != "00" || r.taken(panOK) != 0 {
		t.Fatalf("reversal: %s, taken %d", resp.Code, r.taken(panOK))
	}
}

func TestFaultDisconnect(t *testing.T) {
	r := newRig(t, "disconnect=1")
	sale := r.sale(panOK, 700)
	_, err := r.sendErr(sale)
	if posguard.ErrorCode(err) != posguard.ETIMEOUT || !strings.Contains(err.Error(), "outcome unknown") {
		t.Fatalf("Send = %v, want timeout for a lost connection", err)
	}
	if r.taken(panOK) != 700 {
		t.Fatal("disconnect fault must apply the request")
	}
	r.faults("")
	if err := r.client.Ready(t.Context()); err != nil {
		t.Fatal(err)
	}
	if resp := r.send(r.reversalOf(sale)); resp.Code != "00" || r.taken(panOK) != 0 {
		t.Fatalf("reversal after reconnect: %s, taken %d", resp.Code, r.taken(panOK))
	}
}

func TestFaultLatencyStillAnswers(t *testing.T) {
	r := newRig(t, "latency=1ms-3ms")
	if resp := r.send(r.sale(panOK, 100)); resp.Code != "00" {
		t.Fatalf("code %s", resp.Code)
	}
	if st := r.net.Stats(); st.Faults[FaultLatency] != 1 {
		t.Fatalf("faults %v", st.Faults)
	}
}

func TestFaultDrawsAreReproducible(t *testing.T) {
	run := func() []string {
		n := New(testCards(), testZoneKey, Options{Seed: 42, Faults: "timeout=0.3,garbage=0.3", Logger: quiet()})
		var out []string
		for i := 0; i < 40; i++ {
			req := &posguard.UpstreamRequest{MTI: "0200", ProcCode: "000000", PAN: panOK, Amount: 1,
				STAN: fmt.Sprintf("%06d", i+1), Time: "0311101530", TerminalID: "T"}
			o := n.process(req)
			code := ""
			if o.resp != nil {
				code = o.resp.Code + o.resp.AuthCode
			}
			out = append(out, string(rune('0'+o.act))+code)
		}
		return out
	}
	a, b := run(), run()
	if strings.Join(a, " ") != strings.Join(b, " ") {
		t.Fatalf("same seed, different runs:\n%v\n%v", a, b)
	}
	seen := map[byte]bool{}
	for _, s := range a {
		seen[s[0]] = true
	}
	if !seen['0'+byte(actAnswer)] || !seen['0'+byte(actSilent)] || !seen['0'+byte(actGarbage)] {
		t.Fatalf("40 draws at 0.3 did not mix outcomes: %v", a)
	}
}

func TestLateApprovalReachesOnLate(t *testing.T) {
	r := newRig(t, "latency=200ms")
	sale := r.sale(panOK, 450)
	if err := r.sendNoAnswer(sale); posguard.ErrorCode(err) != posguard.ETIMEOUT {
		t.Fatalf("Send = %v, want timeout", err)
	}
	late := <-r.late // the answer still comes, after Send gave up
	if late.STAN != sale.STAN || late.Code != "00" || late.Amount != 450 {
		t.Fatalf("late answer %+v", late)
	}
	if r.taken(panOK) != 450 {
		t.Fatal("the late approval was applied")
	}
	if r.client.State().Late != 1 {
		t.Fatalf("state %+v", r.client.State())
	}
}
