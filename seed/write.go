package seed

import (
	"encoding/hex"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/posguard/posguard"
)

// The file shapes Marshal writes; Parse reads them back.
type (
	fileWorld struct {
		Acquirer   *fileAcquirer  `yaml:"acquirer,omitempty"`
		FeePlans   []fileFeePlan  `yaml:"fee_plans,omitempty"`
		Merchants  []fileMerchant `yaml:"merchants,omitempty"`
		Terminals  []fileTerminal `yaml:"terminals,omitempty"`
		Cards      []fileCard     `yaml:"cards,omitempty"`
		Identities []fileIdentity `yaml:"identities,omitempty"`
		Blacklist  []fileBlack    `yaml:"blacklist,omitempty"`
	}
	fileIdentity struct {
		Name    string `yaml:"name"`
		IDNo    string `yaml:"id_no"`
		Phone   string `yaml:"phone"`
		Account string `yaml:"account"`
	}
	fileBlack struct {
		Value  string `yaml:"value"`
		Reason string `yaml:"reason"`
	}
	fileAcquirer struct {
		ID         string `yaml:"id"`
		ZonePINKey string `yaml:"zone_pin_key"`
	}
	fileFeePlan struct {
		Name  string `yaml:"name"`
		Rates struct {
			Credit   string `yaml:"credit"`
			Debit    string `yaml:"debit"`
			DebitCap int64  `yaml:"debit_cap,omitempty"`
			QR       string `yaml:"qr"`
		} `yaml:"rates"`
		D0 *fileD0 `yaml:"d0,omitempty"`
	}
	fileD0 struct {
		Enabled   bool   `yaml:"enabled"`
		MinAmount int64  `yaml:"min_amount,omitempty"`
		Window    string `yaml:"window,omitempty"`
		Extra     string `yaml:"extra,omitempty"`
	}
	fileMerchant struct {
		ID           string       `yaml:"id"`
		Name         string       `yaml:"name,omitempty"`
		MCC          string       `yaml:"mcc,omitempty"`
		Status       string       `yaml:"status"`
		StatusSince  string       `yaml:"status_since,omitempty"`
		Kind         string       `yaml:"kind,omitempty"`
		FeePlan      string       `yaml:"fee_plan,omitempty"`
		Limits       *fileLimits  `yaml:"limits,omitempty"`
		AllowedTypes []string     `yaml:"allowed_types,omitempty"`
		Account      *fileAccount `yaml:"settlement_account,omitempty"`
	}
	fileLimits struct {
		PerTxn     int64 `yaml:"per_txn,omitempty"`
		Daily      int64 `yaml:"daily,omitempty"`
		DailyCount int   `yaml:"daily_count,omitempty"`

		CardDaily          int64 `yaml:"card_daily,omitempty"`
		CardDailyCount     int   `yaml:"card_daily_count,omitempty"`
		TerminalDaily      int64 `yaml:"terminal_daily,omitempty"`
		TerminalDailyCount int   `yaml:"terminal_daily_count,omitempty"`
	}
	fileAccount struct {
		Bank   string `yaml:"bank"`
		Number string `yaml:"number"`
		Name   string `yaml:"name"`
		Status string `yaml:"status"`
	}
	fileTerminal struct {
		ID        string `yaml:"id"`
		Merchant  string `yaml:"merchant"`
		TMK       string `yaml:"tmk"`
		KeyScheme string `yaml:"key_scheme"`
		MAC       string `yaml:"mac,omitempty"`
		Model     string `yaml:"model,omitempty"`
		Firmware  string `yaml:"firmware,omitempty"`
		Status    string `yaml:"status"`
	}
	fileCard struct {
		PAN     string `yaml:"pan"`
		Expiry  string `yaml:"expiry"`
		PIN     string `yaml:"pin"`
		Kind    string `yaml:"kind"`
		Balance int64  `yaml:"balance"`
		Status  string `yaml:"status"`
	}
)

// Marshal writes w as a world file that Parse reads back to the same world,
// so a world built in code (a benchmark's or a chaos run's) can be handed to
// other processes. It holds keys, PINs and PANs in clear, as world files do:
// it is test data.
func Marshal(w *World) ([]byte, error) {
	var f fileWorld
	if w.Acquirer.ID != "" {
		f.Acquirer = &fileAcquirer{ID: w.Acquirer.ID, ZonePINKey: strings.ToUpper(hex.EncodeToString(w.Acquirer.ZonePINKey))}
	}
	for _, p := range w.FeePlans {
		fp := fileFeePlan{Name: p.Name}
		fp.Rates.Credit, fp.Rates.Debit, fp.Rates.QR = p.CreditRate.String(), p.DebitRate.String(), p.QRRate.String()
		fp.Rates.DebitCap = int64(p.DebitCap)
		if p.D0.Enabled || p.D0.Window != "" {
			fp.D0 = &fileD0{Enabled: p.D0.Enabled, MinAmount: int64(p.D0.MinAmount), Window: p.D0.Window}
			if p.D0.Extra != 0 {
				fp.D0.Extra = p.D0.Extra.String()
			}
		}
		f.FeePlans = append(f.FeePlans, fp)
	}
	for _, m := range w.Merchants {
		fm := fileMerchant{ID: m.ID, Name: m.Name, MCC: m.MCC, Status: string(m.Status), Kind: m.Kind, FeePlan: m.FeePlan}
		if !m.StatusSince.IsZero() {
			fm.StatusSince = m.StatusSince.Format(time.RFC3339)
		}
		if m.Limits != (posguard.Limits{}) {
			fm.Limits = &fileLimits{PerTxn: int64(m.Limits.PerTxn), Daily: int64(m.Limits.Daily), DailyCount: m.Limits.DailyCount,
				CardDaily: int64(m.Limits.CardDaily), CardDailyCount: m.Limits.CardDailyCount,
				TerminalDaily: int64(m.Limits.TerminalDaily), TerminalDailyCount: m.Limits.TerminalDailyCount}
		}
		for _, t := range m.AllowedTypes {
			fm.AllowedTypes = append(fm.AllowedTypes, string(t))
		}
		if m.Account != (posguard.SettlementAccount{}) {
			a := m.Account
			fm.Account = &fileAccount{Bank: a.Bank, Number: a.Number, Name: a.Name, Status: a.Status}
		}
		f.Merchants = append(f.Merchants, fm)
	}
	for _, t := range w.Terminals {
		f.Terminals = append(f.Terminals, fileTerminal{ID: t.ID, Merchant: t.MerchantID, TMK: strings.ToUpper(hex.EncodeToString(t.TMK)),
			KeyScheme: t.KeyScheme, MAC: t.MAC, Model: t.Model, Firmware: t.Firmware, Status: string(t.Status)})
	}
	for _, c := range w.Cards {
		f.Cards = append(f.Cards, fileCard{PAN: c.PAN.Reveal(), Expiry: c.Expiry, PIN: c.PIN, Kind: string(c.Kind),
			Balance: int64(c.Balance), Status: string(c.Status)})
	}
	for _, id := range w.Identities {
		f.Identities = append(f.Identities, fileIdentity{Name: id.Name, IDNo: id.IDNo, Phone: id.Phone, Account: id.Account})
	}
	for _, b := range w.Blacklist {
		f.Blacklist = append(f.Blacklist, fileBlack{Value: b.Value, Reason: b.Reason})
	}
	return yaml.Marshal(&f)
}
