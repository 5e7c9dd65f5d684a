package http

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/posguard/posguard"
)

// TestAuditChangesAsMap checks that the audit record's changes and a new QR
// order's note are written byte for byte as the maps they replace
// ({"after": …, "before": …} and {"amount", "id", "out_order_no",
// "state"}), escapes included.
func TestAuditChangesAsMap(t *testing.T) {
	for _, c := range []struct{ after, before any }{
		{qrOrderNote{Amount: 1234, ID: "Q17", OutOrderNo: "A-1", State: posguard.QRSucceeded}, nil},
		{qrOrderNote{Amount: -1, ID: "Q<&>", OutOrderNo: "咖啡\"\\", State: posguard.QRPaying}, map[string]any{"x": 1}},
		{nil, map[string]any{"status": "frozen", "pan": "622588******0018"}},
	} {
		var afterMap any
		if n, ok := c.after.(qrOrderNote); ok {
			afterMap = map[string]any{"id": n.ID, "out_order_no": n.OutOrderNo, "amount": n.Amount, "state": n.State}
		}
		want, err := json.Marshal(map[string]any{"before": c.before, "after": afterMap})
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(changesView{After: c.after, Before: c.before})
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s (%v), want %s", got, err, want)
		}
	}
}
