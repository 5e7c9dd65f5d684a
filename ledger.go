package posguard

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// AccountKind is a class of ledger account. The merchant kinds are kept per
// merchant ("merchant_payable:898310048990001"); the others are single
// accounts of the acquirer.
type AccountKind string

// Ledger account kinds.
const (
	AccountNetworkReceivable AccountKind = "network_receivable" // due from (or funded by) the card network
	AccountMerchantPayable   AccountKind = "merchant_payable"   // owed to a merchant, not yet settled
	AccountFeeIncome         AccountKind = "fee_income"         // merchant discount earned
	AccountPayoutClearing    AccountKind = "payout_clearing"    // settled, payout in flight at the bank
	AccountHeld              AccountKind = "held"               // 挂账: a failed or returned payout kept for the merchant
	AccountSuspense          AccountKind = "suspense"           // money that cannot be attributed yet
	AccountWalletReceivable  AccountKind = "wallet_receivable"  // due from the QR wallet channels
)

// Account names one ledger account: a kind, and for merchant kinds the
// merchant ID after a colon.
type Account string

// MerchantAccount returns the account of kind k for merchant mid.
func MerchantAccount(k AccountKind, mid string) Account {
	return Account(string(k) + ":" + mid)
}

// Kind returns the account's kind.
func (a Account) Kind() AccountKind {
	k, _, _ := strings.Cut(string(a), ":")
	return AccountKind(k)
}

// Merchant returns the merchant of a per-merchant account, "" otherwise.
func (a Account) Merchant() string {
	_, m, _ := strings.Cut(string(a), ":")
	return m
}

// PostingKind is the business event a posting records.
type PostingKind string

// Posting kinds. The first four derive from the journal and are settlement
// items (they change what a merchant is owed), as are the two of disputes;
// the rest move money that is already owed.
const (
	PostApproval     PostingKind = "approval"      // sale or completion approved
	PostVoid         PostingKind = "void"          // void approved: the original undone, fee returned in full
	PostRefund       PostingKind = "refund"        // refund approved: fee returned pro rata
	PostReversal     PostingKind = "reversal"      // an approved transaction reversed: its posting undone
	PostD0Fee        PostingKind = "d0_fee"        // extra fee of a same-day payout
	PostSettlement   PostingKind = "settlement"    // merchant payable to payout clearing (a batch)
	PostPayout       PostingKind = "payout"        // the bank credited the merchant
	PostPayoutFailed PostingKind = "payout_failed" // the bank refused: clearing to held
	PostReturn       PostingKind = "return"        // 退汇: a paid payout came back, to held
	PostResettlement PostingKind = "resettlement"  // 重新结算: held to clearing for a new payout
	// PostChargeback (拒付) takes a disputed amount back from the merchant's
	// unsettled balance: a settlement item, so a merchant already paid sees
	// its next settlement reduced. PostRepresentment gives it back when the
	// representment (再请款) wins. See docs/disputes.md.
	PostChargeback    PostingKind = "chargeback"
	PostRepresentment PostingKind = "representment"
)

// Item reports whether postings of kind k are settlement items.
func (k PostingKind) Item() bool {
	switch k {
	case PostApproval, PostVoid, PostRefund, PostReversal, PostChargeback, PostRepresentment:
		return true
	}
	return false
}

// Entry is one side of a posting: a positive amount debits the account, a
// negative one credits it.
type Entry struct {
	Account Account
	Amount  Amount
}

// Posting is one balanced, append-only ledger record. Its Key makes it
// idempotent: a posting whose key exists is not appended again.
type Posting struct {
	Seq        int64  // position in the chain, from 1; set by the store
	Key        string // unique: "txn:42:approval", "batch:…:settle", …
	Kind       PostingKind
	TxnID      int64  // the journal transaction, 0 if none
	OrigID     int64  // the original of a void, refund or reversal
	MerchantID string // "" for acquirer-only postings
	Date       string // business date YYYY-MM-DD
	Gross      Amount // the transaction or payout amount (positive)
	Fee        Amount // fee charged (+) or returned (−) by this posting
	// Net is the change of the merchant's payable balance from a settlement
	// item (credit positive); 0 for the other kinds.
	Net      Amount
	CardKind CardKind // of a card transaction, "" otherwise
	Ref      string   // batch or payout ID
	Entries  []Entry
	PrevHash string // hash of the posting before, "" for the first
	Hash     string // PostingHash(PrevHash, p); set by the store
	At       time.Time
}

// Balanced returns EINVALID unless p has at least two entries, none zero,
// whose amounts sum to zero.
func (p *Posting) Balanced() error {
	if len(p.Entries) < 2 {
		return Errorf(EINVALID, "posting %s: %d entries, want at least 2", p.Key, len(p.Entries))
	}
	var sum Amount
	for _, e := range p.Entries {
		if e.Amount == 0 || e.Account == "" {
			return Errorf(EINVALID, "posting %s: empty entry", p.Key)
		}
		sum += e.Amount
	}
	if sum != 0 {
		return Errorf(EINVALID, "posting %s: entries sum to %s, want 0", p.Key, sum)
	}
	return nil
}

// PostingHash returns the hex SHA-256 chaining p to prev: it covers prev,
// the sequence number, key, kind, references, amounts and every entry, so
// editing or dropping any posting breaks every hash after it.
func PostingHash(prev string, p *Posting) string {
	// The input is each field as its decimal length, ':' and its bytes, in
	// the order below; it is built in one buffer and hashed at once (the
	// same digest as writing the fields one by one).
	var stack [512]byte
	b := stack[:0]
	field := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	num := func(v int64) {
		var d [20]byte
		s := strconv.AppendInt(d[:0], v, 10)
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	field(prev)
	num(p.Seq)
	field(p.Key)
	field(string(p.Kind))
	num(p.TxnID)
	num(p.OrigID)
	field(p.MerchantID)
	field(p.Date)
	num(int64(p.Gross))
	num(int64(p.Fee))
	num(int64(p.Net))
	field(string(p.CardKind))
	field(p.Ref)
	for _, e := range p.Entries {
		field(string(e.Account))
		num(int64(e.Amount))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Balance is an account's balance: debits minus credits.
type Balance struct {
	Account Account
	Amount  Amount
}

// BalanceFilter selects balances. Empty fields match all.
type BalanceFilter struct {
	MerchantID string // only this merchant's accounts
	UpTo       string // only postings dated on or before YYYY-MM-DD
}

// JournalChange is one journal event with the transaction as it is now:
// the ledger poster reads them in order of ID.
type JournalChange struct {
	EventID int64
	State   State // the state the event recorded
	// Txn holds the fields the ledger uses: ID, Type, MerchantID, IssuerBIN,
	// EntryMode, Amount, SettlementDate, State and OrigID.
	Txn *Transaction
}

// LedgerStore keeps the double-entry ledger and what the ledger poster
// reads from the journal.
type LedgerStore interface {
	// AppendPostings appends ps in order in one store transaction, setting
	// Seq, PrevHash, Hash and At on each. A posting whose Key exists is
	// skipped (its fields are left unset) and not counted. Returns EINVALID,
	// appending nothing, if any posting is unbalanced (checked in code and
	// again by the store after writing the entries).
	AppendPostings(ctx context.Context, ps []*Posting) (int, error)
	// Postings returns postings with Seq above after, in order, at most limit
	// (default 1000, max 100000).
	Postings(ctx context.Context, after int64, limit int) ([]*Posting, error)
	// PostingsForTxn returns the postings whose TxnID or OrigID is id, in order.
	PostingsForTxn(ctx context.Context, id int64) ([]*Posting, error)
	// PostingsByRef returns the postings whose Ref is ref, in order.
	PostingsByRef(ctx context.Context, ref string) ([]*Posting, error)
	// MerchantPostings returns merchant mid's postings dated in [from, to]
	// (empty bounds are open), in order.
	MerchantPostings(ctx context.Context, mid, from, to string) ([]*Posting, error)
	// Balances returns the non-zero balances matching f, ordered by account.
	Balances(ctx context.Context, f BalanceFilter) ([]Balance, error)
	// LedgerHead returns the last posting's Seq and Hash (0, "" when empty).
	LedgerHead(ctx context.Context) (int64, string, error)
	// JournalChanges returns the journal events with ID above after that
	// may call for postings, those recording StateApproved or
	// StateReversed, oldest first, at most limit, each with its
	// transaction's current row. Events of other states are left out.
	JournalChanges(ctx context.Context, after int64, limit int) ([]JournalChange, error)
	// Cursor returns the named cursor's value, 0 if never set.
	Cursor(ctx context.Context, name string) (int64, error)
	// SetCursor sets the named cursor.
	SetCursor(ctx context.Context, name string, v int64) error
	// PutCardKinds records the kind of each BIN (first six digits).
	PutCardKinds(ctx context.Context, kinds map[string]CardKind) error
	// CardKinds returns every recorded BIN and its kind.
	CardKinds(ctx context.Context) (map[string]CardKind, error)
	// PutFeePlan stores a fee plan's encoded body under its name.
	PutFeePlan(ctx context.Context, name string, body []byte) error
	// FeePlans returns every stored fee plan body by name.
	FeePlans(ctx context.Context) (map[string][]byte, error)
}
