package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/posguard/posguard"
)

// TestDisputeEscalateForm: a chargeback whose representment the network
// ruled against shows the arbitration form to its merchant and to staff,
// not to another merchant (the page and the post are the not-found page);
// without CSRF the post is refused; a dispute still open shows no form.
func TestDisputeEscalateForm(t *testing.T) {
	w := newWorld(t)
	page := "/disputes/" + w.disputeA
	a := w.login(t, "shop-a")
	if _, body, _ := a.get(page); strings.Contains(body, `action="`+page+`/escalate"`) {
		t.Fatal("an open dispute offers arbitration")
	}
	if err := w.store.UpdateDispute(t0ctx, posguard.DisputeUpdate{ID: w.disputeA, State: posguard.DisputeLost,
		LostBy: posguard.LostByNetwork, Outcome: "reason 4515 needs the merchant's evidence", DecidedAt: now}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{a, w.login(t, "ops")} {
		if st, body, _ := c.get(page + "?lang=en"); st != 200 || !strings.Contains(body, `action="`+page+`/escalate"`) || !strings.Contains(body, "Escalate to arbitration") {
			t.Errorf("the lost representment does not offer arbitration (%d)", st)
		}
	}
	b := w.login(t, "shop-b")
	if st, _, _ := b.get(page); st != http.StatusNotFound {
		t.Errorf("another merchant's dispute page: %d", st)
	}
	if st, _, _ := b.post(page+"/escalate", url.Values{"csrf_token": {b.csrf}}); st != http.StatusNotFound {
		t.Errorf("another merchant escalating: %d, want 404", st)
	}
	if st, _, _ := a.post(page+"/escalate", url.Values{"statement": {"signed slip"}}); st != http.StatusForbidden {
		t.Errorf("escalating without CSRF: %d, want 403", st)
	}
	if d, _ := w.store.Dispute(t0ctx, w.disputeA); d.State != posguard.DisputeLost {
		t.Fatalf("refused posts changed the dispute: %s", d.State)
	}
	for _, lang := range []string{"zh", "en"} {
		if st, body, _ := a.get("/disputes?state=arbitration&lang=" + lang); st != 200 || strings.Contains(body, "dispute.state.") {
			t.Errorf("the list filtered by arbitration (%s): %d", lang, st)
		}
	}
}
