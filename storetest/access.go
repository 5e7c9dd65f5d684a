package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/audit"
)

// AccessStorer is a store with an access side (users, tokens, account
// changes, audit log).
type AccessStorer interface {
	Access() posguard.AccessStore
}

// RawExecer runs a statement on a store's database directly, bypassing the
// store (used to tamper with the audit log as an intruder would).
type RawExecer interface {
	ExecRaw(ctx context.Context, query string) error
}

// runAccess runs the access checks (users, tokens, login failures, account
// changes, audit chain).
func runAccess(t *testing.T, h *harness) {
	runGroups(t, h, func(t *testing.T, s posguard.Store) posguard.AccessStore { return sideOf[AccessStorer](t, s).Access() },
		[]group[posguard.AccessStore]{
			{"Users", testAccessUsers},
			{"Tokens", testAccessTokens},
			{"LoginFailures", testAccessLoginFailures},
			{"AccountChanges", testAccessChanges},
			{"ApplyAccountChange", testAccessApplyChange},
			{"AuditChain", testAccessAudit},
			{"CacheVersion", testCacheVersion},
			{"VersionedOrderInsert", testVersionedOrderInsert},
			{"VersionedRefundInsert", testVersionedRefundInsert},
		})
}

func testAccessUsers(t *testing.T, _ posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	u := &posguard.User{Name: "Alice", Role: posguard.RoleFinance, PasswordHash: "$h"}
	wantCode(t, a.CreateUser(ctx, u), "", "create")
	if u.ID == 0 || u.CreatedAt.IsZero() {
		t.Fatalf("create did not set ID and time: %+v", u)
	}
	wantCode(t, a.CreateUser(ctx, &posguard.User{Name: "ALICE", Role: posguard.RoleAdmin, PasswordHash: "$h"}), posguard.ECONFLICT, "same name other case")
	wantCode(t, a.CreateUser(ctx, &posguard.User{Name: "m", Role: posguard.RoleMerchant, PasswordHash: "$h"}), posguard.EINVALID, "merchant without merchant")
	wantCode(t, a.CreateUser(ctx, &posguard.User{Name: "x", Role: "root", PasswordHash: "$h"}), posguard.EINVALID, "unknown role")
	wantCode(t, a.CreateUser(ctx, &posguard.User{Name: "shop", Role: posguard.RoleMerchant, MerchantID: "M1", PasswordHash: "$h"}), "", "merchant user")
	got, err := a.UserByName(ctx, "alice")
	wantCode(t, err, "", "by name")
	if got.Name != "Alice" || got.Role != posguard.RoleFinance || got.PasswordHash != "$h" || got.Disabled {
		t.Fatalf("read back %+v", got)
	}
	_, err = a.UserByName(ctx, "bob")
	wantCode(t, err, posguard.ENOTFOUND, "unknown name")
	wantCode(t, a.SetUserDisabled(ctx, "ALICE", true), "", "disable")
	wantCode(t, a.SetUserDisabled(ctx, "bob", true), posguard.ENOTFOUND, "disable unknown")
	wantCode(t, a.SetPasswordHash(ctx, "alice", "$h2"), "", "set password")
	got, _ = a.UserByName(ctx, "Alice")
	if !got.Disabled || got.PasswordHash != "$h2" {
		t.Fatalf("after disable and new password: %+v", got)
	}
	all, err := a.Users(ctx)
	wantCode(t, err, "", "users")
	if len(all) != 2 || all[0].Name != "Alice" || all[1].MerchantID != "M1" {
		t.Fatalf("users: %+v", all)
	}
}

func testAccessTokens(t *testing.T, _ posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	u := &posguard.User{Name: "op", Role: posguard.RoleOperator, PasswordHash: "$h"}
	wantCode(t, a.CreateUser(ctx, u), "", "create user")
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	tk := &posguard.Token{UserID: u.ID, Kind: posguard.TokenAPI, Label: "ERP", Hash: "abc", ExpiresAt: exp}
	wantCode(t, a.CreateToken(ctx, tk), "", "create token")
	wantCode(t, a.CreateToken(ctx, &posguard.Token{UserID: u.ID, Kind: posguard.TokenAPI, Hash: "abc", ExpiresAt: exp}), posguard.ECONFLICT, "same hash")
	wantCode(t, a.CreateToken(ctx, &posguard.Token{UserID: 999, Kind: posguard.TokenAPI, Hash: "def", ExpiresAt: exp}), posguard.ENOTFOUND, "unknown user")
	got, gu, err := a.TokenByHash(ctx, "abc")
	wantCode(t, err, "", "by hash")
	if got.ID != tk.ID || got.Label != "ERP" || !got.ExpiresAt.Equal(exp) || gu.Name != "op" || gu.Role != posguard.RoleOperator || !got.Active(time.Now()) {
		t.Fatalf("read back %+v %+v", got, gu)
	}
	_, _, err = a.TokenByHash(ctx, "nope")
	wantCode(t, err, posguard.ENOTFOUND, "unknown hash")
	wantCode(t, a.CreateToken(ctx, &posguard.Token{UserID: u.ID, Kind: posguard.TokenSession, Hash: "s1", ExpiresAt: exp}), "", "session")
	list, err := a.Tokens(ctx, "OP", posguard.TokenAPI)
	wantCode(t, err, "", "tokens")
	if len(list) != 1 || list[0].UserName != "op" {
		t.Fatalf("api tokens of op: %+v", list)
	}
	if list, _ := a.Tokens(ctx, "", ""); len(list) != 2 {
		t.Fatalf("all tokens: %d", len(list))
	}
	wantCode(t, a.RevokeToken(ctx, tk.ID), "", "revoke")
	wantCode(t, a.RevokeToken(ctx, 999), posguard.ENOTFOUND, "revoke unknown")
	got, _, _ = a.TokenByHash(ctx, "abc")
	if got.RevokedAt.IsZero() || got.Active(time.Now()) {
		t.Fatalf("revoked token still active: %+v", got)
	}
}

func testAccessLoginFailures(t *testing.T, _ posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := range 3 {
		wantCode(t, a.AddLoginFailure(ctx, "eve", t0.Add(time.Duration(i)*time.Minute)), "", "add")
	}
	wantCode(t, a.AddLoginFailure(ctx, "bob", t0), "", "add other")
	got, err := a.LoginFailures(ctx, "eve", t0.Add(time.Minute))
	wantCode(t, err, "", "failures")
	if len(got) != 2 || !got[0].Equal(t0.Add(time.Minute)) {
		t.Fatalf("failures since +1m: %v", got)
	}
	wantCode(t, a.ClearLoginFailures(ctx, "eve"), "", "clear")
	if got, _ := a.LoginFailures(ctx, "eve", t0); len(got) != 0 {
		t.Fatalf("after clear: %v", got)
	}
	if got, _ := a.LoginFailures(ctx, "bob", t0); len(got) != 1 {
		t.Fatalf("other name cleared too: %v", got)
	}
}

func testAccessChanges(t *testing.T, _ posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	c := &posguard.AccountChange{MerchantID: "M1", RequestedBy: "fin1",
		Account: posguard.SettlementAccount{Bank: "ICBC", Number: "6222000011112222", Name: "Shop", Status: "ok"}}
	wantCode(t, a.CreateAccountChange(ctx, c), "", "create")
	wantCode(t, a.CreateAccountChange(ctx, &posguard.AccountChange{MerchantID: "M2", RequestedBy: "x"}), "", "create other")
	got, err := a.AccountChange(ctx, c.ID)
	wantCode(t, err, "", "get")
	if got.State != posguard.ChangePending || got.Account != c.Account || got.RequestedBy != "fin1" {
		t.Fatalf("read back %+v", got)
	}
	_, err = a.AccountChange(ctx, 999)
	wantCode(t, err, posguard.ENOTFOUND, "unknown")
	wantCode(t, a.DecideAccountChange(ctx, c.ID, posguard.ChangeApproved, "fin2", ""), "", "approve")
	wantCode(t, a.DecideAccountChange(ctx, c.ID, posguard.ChangeRejected, "fin2", "no"), posguard.ECONFLICT, "decide twice")
	wantCode(t, a.DecideAccountChange(ctx, 999, posguard.ChangeRejected, "fin2", "no"), posguard.ENOTFOUND, "decide unknown")
	list, err := a.AccountChanges(ctx, posguard.AccountChangeFilter{MerchantID: "M1"})
	wantCode(t, err, "", "list")
	if len(list) != 1 || list[0].State != posguard.ChangeApproved || list[0].DecidedBy != "fin2" {
		t.Fatalf("list M1: %+v", list)
	}
	if list, _ := a.AccountChanges(ctx, posguard.AccountChangeFilter{State: posguard.ChangePending}); len(list) != 1 || list[0].MerchantID != "M2" {
		t.Fatalf("pending: %+v", list)
	}
}

// testAccessApplyChange: approving a change, the merchant's new account and
// the audit record commit together or not at all.
func testAccessApplyChange(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	m := sampleMerchant("898310048990001")
	must(t, s.PutMerchant(ctx, m), "put merchant")
	c := &posguard.AccountChange{MerchantID: m.ID, RequestedBy: "fin1",
		Account: posguard.SettlementAccount{Bank: "CCB", Number: "6217000000000002", Name: "示例便利店", Status: "ok"}}
	must(t, a.CreateAccountChange(ctx, c), "create change")
	rec := &posguard.AuditRecord{User: "fin2", Action: "POST /v1/account-changes/{id}/approve", Object: "account-changes/1", Outcome: "ok"}
	wantCode(t, a.ApplyAccountChange(ctx, c.ID, "fin2", c.Account, &posguard.AuditRecord{User: "fin2"}), posguard.EINVALID,
		"apply with a refused audit record")
	got, _ := a.AccountChange(ctx, c.ID)
	stored, _ := s.Merchant(ctx, m.ID)
	if got.State != posguard.ChangePending || stored.Account != m.Account {
		t.Fatalf("a refused apply left change %s and account %+v", got.State, stored.Account)
	}
	wantCode(t, a.ApplyAccountChange(ctx, c.ID+100, "fin2", c.Account), posguard.ENOTFOUND, "apply an unknown change")
	must(t, a.ApplyAccountChange(ctx, c.ID, "fin2", c.Account, rec), "apply")
	got, _ = a.AccountChange(ctx, c.ID)
	stored, _ = s.Merchant(ctx, m.ID)
	if got.State != posguard.ChangeApproved || got.DecidedBy != "fin2" || stored.Account != c.Account {
		t.Fatalf("applied change %+v, account %+v", got, stored.Account)
	}
	if recs, _ := a.AuditRecords(ctx, posguard.AuditFilter{Object: "account-changes/1"}); len(recs) != 1 {
		t.Fatalf("audit records of the change: %+v", recs)
	}
	wantCode(t, a.ApplyAccountChange(ctx, c.ID, "fin2", c.Account), posguard.ECONFLICT, "apply twice")
}

func testAccessAudit(t *testing.T, s posguard.Store, a posguard.AccessStore) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	for i, user := range []string{"alice", "bob", "alice"} {
		r := &posguard.AuditRecord{At: t0.Add(time.Duration(i) * time.Minute), User: user, Role: posguard.RoleOperator,
			Remote: "10.0.0.1:5", Action: "login", Object: "user/" + user, Outcome: "ok", Changes: `{"after":{"n":1}}`}
		wantCode(t, a.AppendAudit(ctx, r), "", "append")
		if r.ID != int64(i+1) || r.Hash == "" {
			t.Fatalf("append %d: %+v", i, r)
		}
	}
	recs, err := a.AuditRecords(ctx, posguard.AuditFilter{User: "alice"})
	wantCode(t, err, "", "records")
	if len(recs) != 2 || recs[0].ID != 3 || recs[1].ID != 1 {
		t.Fatalf("alice's records newest first: %+v", recs)
	}
	recs, _ = a.AuditRecords(ctx, posguard.AuditFilter{From: t0.Add(time.Minute), Before: 3, Limit: 5})
	if len(recs) != 1 || recs[0].User != "bob" {
		t.Fatalf("window and cursor: %+v", recs)
	}
	chain, err := a.AuditChain(ctx, 0, 10)
	wantCode(t, err, "", "chain")
	prev := ""
	for _, r := range chain {
		if r.PrevHash != prev || posguard.AuditHash(prev, r) != r.Hash {
			t.Fatalf("record %d does not chain", r.ID)
		}
		prev = r.Hash
	}
	if id, h, _ := a.AuditHead(ctx); id != 3 || h != prev {
		t.Fatalf("head %d %s", id, h)
	}
	if rx, ok := s.(RawExecer); ok {
		if err := rx.ExecRaw(ctx, `UPDATE audit_log SET outcome = 'failed' WHERE id = 2`); err == nil {
			t.Fatal("the database let an audit record be updated")
		}
		if err := rx.ExecRaw(ctx, `DELETE FROM audit_log WHERE id = 2`); err == nil {
			t.Fatal("the database let an audit record be deleted")
		}
		if n, err := audit.Verify(ctx, a); err != nil || n != 3 {
			t.Fatalf("verify the intact log: %d, %v", n, err)
		}
		// An intruder who can drop the guard (SQLite) or disable it
		// (PostgreSQL) edits record 2: verification names it.
		if err := rx.ExecRaw(ctx, `DROP TRIGGER audit_log_no_update`); err != nil {
			if err := rx.ExecRaw(ctx, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`); err != nil {
				t.Fatalf("cannot lift the guard: %v", err)
			}
		}
		if err := rx.ExecRaw(ctx, `UPDATE audit_log SET user_name = 'mallory' WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		_, err := audit.Verify(ctx, a)
		if err == nil || !strings.Contains(err.Error(), "record 2 ") {
			t.Fatalf("verify after editing record 2: %v", err)
		}
	} else {
		t.Logf("%T has no ExecRaw: append-only check skipped", s)
	}
}
