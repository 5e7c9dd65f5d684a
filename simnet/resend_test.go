package simnet

import (
	"context"
	"testing"
	"time"

	"github.com/posguard/posguard/network"
)

// TestReversalResentAfterDrop: a reversal answered on a connection that
// then closed (the acquirer's process may have died holding the answer)
// and sent again on a new connection is counted apart, as a resend after
// a drop, not as a reversal sent twice; sent again once more on that new
// connection, still open, it is sent twice.
func TestReversalResentAfterDrop(t *testing.T) {
	r := newRig(t, "")
	sale := r.sale(panOK, 4000)
	r.send(sale)
	rev := r.reversalOf(sale)
	dial := func() *network.Client {
		c := &network.Client{Addrs: r.client.Addrs, Conns: 1, Logger: quiet(), EchoInterval: -1,
			MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, AcquirerID: "48021000"}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	send := func(c *network.Client) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if resp, err := c.Send(ctx, rev); err != nil || resp.Code != "00" {
			t.Fatalf("reversal: %v %+v", err, resp)
		}
	}
	conns := func() int {
		r.net.srv.mu.Lock()
		defer r.net.srv.mu.Unlock()
		return len(r.net.srv.conns)
	}
	before := conns()
	first := dial()
	send(first)
	first.Close()
	deadline := time.Now().Add(10 * time.Second)
	for conns() > before { // simnet reads the close asynchronously
		if time.Now().After(deadline) {
			t.Fatal("simnet never saw the first connection close")
		}
		time.Sleep(time.Millisecond)
	}
	second := dial()
	defer second.Close()
	send(second)
	if st := r.net.Stats(); st.ReversalsResentAfterDrop != 1 || st.ReversalsResent != 0 {
		t.Fatalf("after a resend on a new connection: %d after a drop, %d sent twice", st.ReversalsResentAfterDrop, st.ReversalsResent)
	}
	send(second)
	if st := r.net.Stats(); st.ReversalsResentAfterDrop != 1 || st.ReversalsResent != 1 {
		t.Fatalf("after a resend on the same open connection: %d after a drop, %d sent twice", st.ReversalsResentAfterDrop, st.ReversalsResent)
	}
}
