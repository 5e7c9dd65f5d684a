package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
)

func init() {
	register("token", "manage API tokens: token create|list|revoke --db DSN …", func(stdout, stderr io.Writer) Command {
		return &TokenCommand{storeCmd: storeCmd{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin}}
	})
}

// TokenCommand creates, lists and revokes API tokens.
type TokenCommand struct {
	storeCmd
	Action  string
	User    string
	TTL     time.Duration
	Label   string
	TokenID int64
}

// ParseFlags reads token's action and flags.
func (c *TokenCommand) ParseFlags(args []string) error {
	action, rest, err := subcommand("token", args, "create", "list", "revoke")
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(c.Stderr, "usage: posguard token create --db DSN --user NAME [--ttl 720h] [--label TEXT]")
		fmt.Fprintln(c.Stderr, "       posguard token list --db DSN [--user NAME]")
		fmt.Fprintln(c.Stderr, "       posguard token revoke --db DSN --token-id ID")
		return err
	}
	if err != nil {
		return err
	}
	c.Action = action
	fs := newFlagSet("token "+action, "token "+action+" --db DSN …", c.Stderr)
	c.addStoreFlags(fs)
	switch action {
	case "create":
		fs.StringVar(&c.User, "user", "", "the user the token acts as")
		fs.DurationVar(&c.TTL, "ttl", access.DefaultTokenTTL, "lifetime")
		fs.StringVar(&c.Label, "label", "", "what the token is for (shown in token list)")
	case "list":
		fs.StringVar(&c.User, "user", "", "only this user's tokens")
	case "revoke":
		fs.Int64Var(&c.TokenID, "token-id", 0, "ID of the token (from token list)")
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case action == "create" && c.User == "":
		return fmt.Errorf("--user is required")
	case action == "create" && c.TTL <= 0:
		return fmt.Errorf("--ttl must be positive")
	case action == "revoke" && c.TokenID <= 0:
		return fmt.Errorf("--token-id is required (a positive number from token list)")
	}
	return nil
}

// Run performs the action.
func (c *TokenCommand) Run(ctx context.Context) error {
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	as := st.Access()
	switch c.Action {
	case "create":
		u, err := as.UserByName(ctx, c.User)
		if err != nil {
			return err
		}
		if u.Disabled {
			return fmt.Errorf("user %s is disabled", u.Name)
		}
		secret, t, err := (&access.Auth{Store: as}).IssueToken(ctx, u, posguard.TokenAPI, c.TTL, c.Label)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.Stdout, secret)
		fmt.Fprintf(c.Stderr, "token %d for %s, expires %s; it is shown once\n", t.ID, u.Name, t.ExpiresAt.Format(time.RFC3339))
		return c.audit(ctx, as, "token create", "token/"+strconv.FormatInt(t.ID, 10),
			fmt.Sprintf(`{"before":null,"after":{"user":%q,"label":%q,"expires_at":%q}}`, u.Name, t.Label, t.ExpiresAt.Format(time.RFC3339)))
	case "revoke":
		if err := as.RevokeToken(ctx, c.TokenID); err != nil {
			return err
		}
		fmt.Fprintf(c.Stderr, "token %d revoked\n", c.TokenID)
		return c.audit(ctx, as, "token revoke", "token/"+strconv.FormatInt(c.TokenID, 10), "")
	}
	list, err := as.Tokens(ctx, c.User, posguard.TokenAPI)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tLABEL\tEXPIRES\tSTATE")
	now := time.Now()
	for _, t := range list {
		state := "active"
		switch {
		case !t.RevokedAt.IsZero():
			state = "revoked"
		case !now.Before(t.ExpiresAt):
			state = "expired"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.UserName, dash(t.Label), t.ExpiresAt.Format(time.RFC3339), state)
	}
	return tw.Flush()
}
