package ledger

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/posguard/posguard"
)

// WalletReceivable is what the QR wallet channels owe the acquirer.
const WalletReceivable = posguard.Account(posguard.AccountWalletReceivable)

// QRKey returns the idempotency key of a QR order's or refund's posting:
// "qr:Q12:approval", "qr:R3:refund".
func QRKey(id string, k posguard.PostingKind) string { return "qr:" + id + ":" + string(k) }

// QRPayment is the posting of a succeeded QR order ref (its API id) with
// fee, dated date: the channel owes the gross, the merchant is owed the
// net, the fee is earned. It is a settlement item like a card approval.
func QRPayment(o *posguard.QROrder, ref string, fee posguard.Amount, date string) *posguard.Posting {
	net := o.Amount - fee
	return &posguard.Posting{
		Key: QRKey(ref, posguard.PostApproval), Kind: posguard.PostApproval, MerchantID: o.MerchantID, Date: date,
		Gross: o.Amount, Fee: fee, Net: net, CardKind: "qr", Ref: ref,
		Entries: entries(
			posguard.Entry{Account: WalletReceivable, Amount: o.Amount},
			posguard.Entry{Account: payable(o.MerchantID), Amount: -net},
			posguard.Entry{Account: FeeIncome, Amount: -fee},
		),
	}
}

// QRRefund is the posting of a succeeded refund (API id refRef) of the
// order whose payment posting is orig, dated date; before and feeBefore
// are what its earlier refunds took back. The fee is returned pro rata,
// as for card refunds.
func QRRefund(r *posguard.QRRefund, refRef, orderRef string, orig *posguard.Posting, before, feeBefore posguard.Amount, date string) *posguard.Posting {
	var fee posguard.Amount
	if orig != nil && orig.Gross > 0 {
		fee = ProRata(orig.Fee, before+r.Amount, orig.Gross) - feeBefore
		fee = min(max(fee, 0), orig.Fee-feeBefore)
	}
	net := r.Amount - fee
	return &posguard.Posting{
		Key: QRKey(refRef, posguard.PostRefund), Kind: posguard.PostRefund, MerchantID: r.MerchantID, Date: date,
		Gross: r.Amount, Fee: -fee, Net: -net, CardKind: "qr", Ref: orderRef,
		Entries: entries(
			posguard.Entry{Account: payable(r.MerchantID), Amount: net},
			posguard.Entry{Account: FeeIncome, Amount: fee},
			posguard.Entry{Account: WalletReceivable, Amount: -r.Amount},
		),
	}
}

// QRPricer prices a QR payment of a merchant (its fee plan's qr rate).
type QRPricer interface {
	QRFee(ctx context.Context, merchantID string, amount posguard.Amount) (posguard.Amount, error)
}

// QRPoster posts succeeded QR orders and refunds to the ledger: each once
// (idempotent keys; the store's queue of unposted ids is cleared after the
// postings are appended, so a crash between the two only posts again what
// the keys then skip). Internal refunds (money
// returned for an order shown failed or closed, never posted as paid) are
// not posted.
type QRPoster struct {
	QR     posguard.QRStore
	Ledger posguard.LedgerStore
	Pricer QRPricer
	// Date is the business date of a time (the switch's calendar).
	Date   func(time.Time) string
	Logger *slog.Logger
	// Batch is how many orders (and how many refunds) one read takes from
	// the queue; 0 means 1000, the journal poster's batch.
	Batch int
}

// Drain posts everything succeeded and not yet posted when it reads the
// queue; it returns how many postings it appended. It reads again only
// after a full batch: what succeeds while it posts waits for the next
// Drain, so under load the poster works in large batches on its interval
// instead of chasing each new order in batches of a few.
func (p *QRPoster) Drain(ctx context.Context) (int, error) {
	batch := p.Batch
	if batch <= 0 {
		batch = 1000
	}
	total := 0
	for {
		orders, refunds, err := p.QR.UnpostedQR(ctx, batch)
		if err != nil || len(orders)+len(refunds) == 0 {
			return total, err
		}
		more := len(orders) >= batch || len(refunds) >= batch
		var ps []*posguard.Posting
		var oids, rids []int64
		for _, o := range orders {
			fee, err := p.Pricer.QRFee(ctx, o.MerchantID, o.Amount)
			if err != nil {
				return total, err
			}
			paid := o.PaidAt
			if paid.IsZero() {
				paid = o.UpdatedAt
			}
			ps = append(ps, QRPayment(o, qrOrderRef(o.ID), fee, p.Date(paid)))
			oids = append(oids, o.ID)
		}
		if len(ps) > 0 {
			n, err := p.Ledger.AppendPostings(ctx, ps)
			if err != nil {
				return total, err
			}
			total += n
			ps = nil
		}
		for _, r := range refunds {
			rids = append(rids, r.ID)
			if r.Internal {
				continue
			}
			ref := qrOrderRef(r.OrderID)
			prior, err := p.Ledger.PostingsByRef(ctx, ref)
			if err != nil {
				return total, err
			}
			var orig *posguard.Posting
			var before, feeBefore posguard.Amount
			for _, q := range prior {
				switch {
				case q.Kind == posguard.PostApproval:
					orig = q
				case q.Kind == posguard.PostRefund && q.Key != QRKey(qrRefundRef(r.ID), posguard.PostRefund):
					before += q.Gross
					feeBefore += -q.Fee
				}
			}
			if orig == nil {
				// The payment is posted first; this refund waits for it.
				rids = rids[:len(rids)-1]
				continue
			}
			q := QRRefund(r, qrRefundRef(r.ID), ref, orig, before, feeBefore, p.Date(r.UpdatedAt))
			n, err := p.Ledger.AppendPostings(ctx, []*posguard.Posting{q})
			if err != nil {
				return total, err
			}
			total += n
		}
		if err := p.QR.MarkQRPosted(ctx, oids, rids); err != nil {
			return total, err
		}
		if !more || len(oids)+len(rids) == 0 {
			return total, nil
		}
	}
}

// Run drains every interval until ctx ends.
func (p *QRPoster) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := p.Drain(ctx); err != nil && ctx.Err() == nil && p.Logger != nil {
			p.Logger.Error("qr ledger poster", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func qrOrderRef(id int64) string  { return "Q" + itoa(id) }
func qrRefundRef(id int64) string { return "R" + itoa(id) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
