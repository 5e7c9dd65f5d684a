package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/seed"
)

// demoUser is a user the demo created, with its password (printed once).
type demoUser struct {
	Name, Password string
	Role           posguard.Role
	MerchantID     string
}

// createDemoUsers adds an admin user and one merchant user per active
// merchant of the world (named "m" + the merchant ID), each with a
// generated password.
func createDemoUsers(ctx context.Context, db string, w *seed.World, log *slog.Logger) ([]demoUser, error) {
	st, _, err := openStore(ctx, db, "", false, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	users := []demoUser{{Name: "admin", Role: posguard.RoleAdmin}}
	for _, m := range w.Merchants {
		if m.Status == posguard.MerchantActive {
			users = append(users, demoUser{Name: "m" + m.ID, Role: posguard.RoleMerchant, MerchantID: m.ID})
		}
	}
	as := st.Access()
	for i := range users {
		u := &users[i]
		if u.Password, err = access.GeneratePassword(); err != nil {
			return nil, err
		}
		hash, err := access.HashPassword(u.Password)
		if err != nil {
			return nil, err
		}
		if err := as.CreateUser(ctx, &posguard.User{Name: u.Name, Role: u.Role, MerchantID: u.MerchantID, PasswordHash: hash}); err != nil {
			return nil, fmt.Errorf("demo user %s: %w", u.Name, err)
		}
	}
	return users, nil
}

// printDemoUsers prints the console address and the users to sign in as.
func printDemoUsers(out io.Writer, httpAddr string, users []demoUser) {
	fmt.Fprintf(out, "  sign in at http://%s/login as (passwords shown once):\n", httpAddr)
	for _, u := range users {
		who := string(u.Role)
		if u.MerchantID != "" {
			who += " of " + u.MerchantID
		}
		fmt.Fprintf(out, "    %-20s %-22s %s\n", u.Name, u.Password, who)
	}
	fmt.Fprintf(out, "  API token: curl -s -X POST http://%s/v1/sessions -d '{\"name\":\"admin\",\"password\":\"…\"}'\n", httpAddr)
}
