package dispute

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/posguard/posguard"
)

// Response is what posguard sends the network to answer a dispute: the
// receipt's facts and text, the evidence it holds (described, with each
// piece's SHA-256) and the statement of whoever responded.
type Response struct {
	DisputeID string         `json:"dispute_id"`
	Receipt   *ReceiptFacts  `json:"receipt,omitempty"`
	Evidence  []EvidenceItem `json:"evidence"`
	Statement string         `json:"statement,omitempty"`
}

// ReceiptFacts are the receipt fields the network checks against its own
// record of the transaction.
type ReceiptFacts struct {
	RRN       string `json:"rrn"`
	Trace     string `json:"trace"`
	Terminal  string `json:"terminal"`
	Merchant  string `json:"merchant"`
	Card      string `json:"card"` // masked 6 + 4
	Amount    int64  `json:"amount"`
	AuthCode  string `json:"auth_code,omitempty"`
	EntryMode string `json:"entry_mode,omitempty"`
	Text      string `json:"text"`
}

// EvidenceItem describes one piece of evidence in a response.
type EvidenceItem struct {
	Source      string `json:"source"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// Decision is the network's ruling on a response.
type Decision struct {
	DisputeID string `json:"dispute_id"`
	// Decision is "won" (representment won, retrieval fulfilled), "lost",
	// or "pending": the network rules later, and its ruling comes back in
	// the dispute file (Notice.Decision, Notice.Arbitration).
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// Network is the card network's side of disputes.
type Network interface {
	// DisputeFile returns the network's current dispute file (every
	// dispute it raised; importing is idempotent).
	DisputeFile(ctx context.Context) ([]byte, error)
	// Respond sends a response and returns the network's ruling. Returns
	// EUNAVAILABLE when the network cannot be reached, ECONFLICT when it
	// refuses the response (already decided).
	Respond(ctx context.Context, r Response) (Decision, error)
	// Arbitrate escalates a chargeback whose representment the network
	// ruled against to arbitration, with r as the case, and returns the
	// ruling (often "pending"). Errors as Respond's; ECONFLICT also when
	// the dispute may not be escalated (not lost, escalated already, past
	// the window).
	Arbitrate(ctx context.Context, r Response) (Decision, error)
}

// Pending is the Decision of a response or arbitration the network rules
// on later.
const Pending = "pending"

// Client is the Network over the dispute API of simnet's admin server
// (docs/disputes.md §API): GET {BaseURL}/disputes/file and POST
// {BaseURL}/disputes/{id}/response.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:5901
	// HTTP is the client used; nil uses one with a 30 s timeout.
	HTTP *http.Client
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// maxFile bounds the dispute file fetched (32 MB).
const maxFile = 32 << 20

// DisputeFile implements Network.
func (c *Client) DisputeFile(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(c.BaseURL, "/")+"/disputes/file", nil)
	if err != nil {
		return nil, posguard.WrapError(posguard.EINVALID, err, "dispute file")
	}
	res, err := c.http().Do(req)
	if err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "dispute file")
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxFile+1))
	if err != nil {
		return nil, posguard.WrapError(posguard.EUNAVAILABLE, err, "dispute file")
	}
	if res.StatusCode != http.StatusOK {
		return nil, posguard.Errorf(posguard.EUNAVAILABLE, "dispute file: network answered %d", res.StatusCode)
	}
	if len(body) > maxFile {
		return nil, posguard.Errorf(posguard.EINVALID, "dispute file: over %d bytes", maxFile)
	}
	return body, nil
}

// Respond implements Network: POST {BaseURL}/disputes/{id}/response.
func (c *Client) Respond(ctx context.Context, r Response) (Decision, error) {
	return c.post(ctx, r, "response")
}

// Arbitrate implements Network: POST {BaseURL}/disputes/{id}/arbitration.
func (c *Client) Arbitrate(ctx context.Context, r Response) (Decision, error) {
	return c.post(ctx, r, "arbitration")
}

// post sends r to the dispute's path and reads the network's ruling.
func (c *Client) post(ctx context.Context, r Response, path string) (Decision, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return Decision{}, posguard.WrapError(posguard.EINTERNAL, err, "dispute response")
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/disputes/" + url.PathEscape(r.DisputeID) + "/" + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Decision{}, posguard.WrapError(posguard.EINVALID, err, "dispute response")
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http().Do(req)
	if err != nil {
		return Decision{}, posguard.WrapError(posguard.EUNAVAILABLE, err, "dispute response")
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	switch res.StatusCode {
	case http.StatusOK:
	case http.StatusConflict, http.StatusNotFound:
		return Decision{}, posguard.Errorf(posguard.ECONFLICT, "dispute %s: the network refused the response (%d): %s",
			r.DisputeID, res.StatusCode, posguard.MaskCardNumbers(strings.TrimSpace(string(raw))))
	default:
		return Decision{}, posguard.Errorf(posguard.EUNAVAILABLE, "dispute %s: the network answered %d", r.DisputeID, res.StatusCode)
	}
	var d Decision
	if err := json.Unmarshal(raw, &d); err != nil || (d.Decision != "won" && d.Decision != "lost" && d.Decision != Pending) {
		return Decision{}, posguard.Errorf(posguard.EUNAVAILABLE, "dispute %s: unreadable decision", r.DisputeID)
	}
	if d.DisputeID != r.DisputeID {
		return Decision{}, posguard.Errorf(posguard.EUNAVAILABLE, "dispute %s: decision for %s", r.DisputeID, d.DisputeID)
	}
	return d, nil
}

var _ Network = (*Client)(nil)

// describe is the evidence item of e.
func describe(e *posguard.DisputeEvidence) EvidenceItem {
	return EvidenceItem{Source: e.Source, Kind: e.Kind, Name: e.Name, ContentType: e.ContentType, Size: e.Size, SHA256: e.SHA256}
}

// Judge is the network's rule for a response to a dispute of reason
// (simnet applies it; docs/disputes.md §Decisions): the receipt must match
// the network's record (RRN, terminal, merchant, amount at least the
// disputed one) and carry what the reason needs.
func Judge(reason Reason, r Response, rrn, terminal, merchant string, amount posguard.Amount) (won bool, why string) {
	rc := r.Receipt
	switch {
	case rc == nil:
		return false, "no receipt in the response"
	case rc.RRN != rrn || rc.Terminal != terminal || rc.Merchant != merchant:
		return false, "the receipt does not match the network's record of the transaction"
	case posguard.Amount(rc.Amount) < amount:
		return false, fmt.Sprintf("the receipt's amount %s is below the disputed %s", posguard.Amount(rc.Amount), amount)
	}
	switch reason.Need {
	case NeedMerchant:
		for _, e := range r.Evidence {
			if e.Source == posguard.EvidenceByMerchant || e.Source == posguard.EvidenceByStaff {
				return true, "receipt and merchant evidence accepted"
			}
		}
		if strings.TrimSpace(r.Statement) != "" {
			return true, "receipt and statement accepted"
		}
		return false, "reason " + reason.Code + " needs the merchant's evidence besides the receipt"
	case NeedChip:
		if strings.HasPrefix(rc.EntryMode, "05") || strings.HasPrefix(rc.EntryMode, "07") {
			return true, "chip read: receipt accepted"
		}
		return false, "magnetic stripe read: the counterfeit chargeback stands"
	}
	return true, "receipt accepted"
}
