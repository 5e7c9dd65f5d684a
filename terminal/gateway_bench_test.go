package terminal

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// approvingHandler answers every request 00 with the fields of an approved
// sale and signs the answer with a fixed MAK, as the switch does.
type approvingHandler struct{ mak []byte }

func (h approvingHandler) HandleTerminal(_ context.Context, req *posguard.TerminalRequest) *posguard.TerminalResponse {
	return &posguard.TerminalResponse{
		Answer: posguard.Answer{Code: "00", RRN: "000000000001", SettleDate: "1206", AuthCode: "123456",
			AcquirerID: "48021000", AddlResponse: "01020000   48021000   ", CardOrg: "CUP", LocalTime: "120000", LocalDate: "1206"},
		Reason: posguard.ReasonApproved,
		Sign:   func(data []byte) ([]byte, error) { return keys.MAC(posguard.MACCupsECB, h.mak, data) },
	}
}

// BenchmarkGatewaySale measures the gateway's own work for one sale, frame
// in to frame out: parse the frame, decode the request, build, pack and
// sign the answer (the switch's place is taken by a handler that approves
// at once).
func BenchmarkGatewaySale(b *testing.B) {
	frame := frameOf(b, saleBody)
	g := &Gateway{Handler: approvingHandler{mak: unhex(b, "0123456789ABCDEF")}, Logger: slog.New(slog.DiscardHandler)}
	info := &ConnInfo{ID: 1, Remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		out, closeConn := g.ServeFrame(ctx, info, frame)
		if closeConn || len(out) == 0 {
			b.Fatal("no answer")
		}
	}
}
