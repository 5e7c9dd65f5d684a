package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/access"
	"github.com/posguard/posguard/host"
)

func init() {
	register("user", "manage users: user add|list|disable --db DSN …", func(stdout, stderr io.Writer) Command {
		return &UserCommand{storeCmd: storeCmd{Stdout: stdout, Stderr: stderr, Stdin: os.Stdin}}
	})
}

// storeCmd is the part the user, token and audit commands share: they work
// on a store directly (no server needed, also while serve runs on it).
type storeCmd struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	logOpts
	DB          string
	HostKeyFile string
	store       host.Store
}

// addStoreFlags adds --db and --host-key-file.
func (c *storeCmd) addStoreFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default beside a SQLite database)")
	c.addLogFlags(fs)
}

// open opens the store.
func (c *storeCmd) open(ctx context.Context) (hostStore, error) {
	// Users, tokens and the audit log live in an existing database: a
	// mistyped --db creates nothing.
	st, _, err := openStore(ctx, c.DB, c.HostKeyFile, false, c.logger(c.Stderr, "error"))
	if err != nil {
		return nil, err
	}
	c.store = st
	return st, nil
}

// audit records a change made from the command line (user "cli", remote
// "local").
func (c *storeCmd) audit(ctx context.Context, as posguard.AccessStore, action, object, changes string) error {
	return as.AppendAudit(ctx, &posguard.AuditRecord{User: "cli", Remote: "local", Action: action, Object: object, Outcome: "ok", Changes: changes})
}

// Close closes the store.
func (c *storeCmd) Close() error {
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}

// subcommand splits "ACTION --flags…" and checks ACTION is one of actions.
func subcommand(cmd string, args []string, actions ...string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return "", nil, flag.ErrHelp
		}
		return "", nil, fmt.Errorf("want %s %s", cmd, strings.Join(actions, "|"))
	}
	for _, a := range actions {
		if args[0] == a {
			return a, args[1:], nil
		}
	}
	return "", nil, fmt.Errorf("unknown action %q: want %s", args[0], strings.Join(actions, ", "))
}

// UserCommand adds, lists and disables users.
type UserCommand struct {
	storeCmd
	Action        string
	Name          string
	Role          string
	Merchant      string
	PasswordStdin bool
}

// ParseFlags reads user's action and flags.
func (c *UserCommand) ParseFlags(args []string) error {
	action, rest, err := subcommand("user", args, "add", "list", "disable")
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(c.Stderr, "usage: posguard user add --db DSN --name NAME --role ROLE [--merchant MID] [--password-stdin]")
		fmt.Fprintln(c.Stderr, "       posguard user list --db DSN")
		fmt.Fprintln(c.Stderr, "       posguard user disable --db DSN --name NAME")
		fmt.Fprintln(c.Stderr, "roles: admin, operator, risk, finance, merchant (with --merchant)")
		return err
	}
	if err != nil {
		return err
	}
	c.Action = action
	fs := newFlagSet("user "+action, "user "+action+" --db DSN …", c.Stderr)
	c.addStoreFlags(fs)
	if action != "list" {
		fs.StringVar(&c.Name, "name", "", "user name (unique, case-insensitive)")
	}
	if action == "add" {
		fs.StringVar(&c.Role, "role", "", "admin, operator, risk, finance or merchant")
		fs.StringVar(&c.Merchant, "merchant", "", "merchant ID a merchant user belongs to")
		fs.BoolVar(&c.PasswordStdin, "password-stdin", false, "read the password as one line from stdin (otherwise one is generated and printed once)")
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if action != "list" && strings.TrimSpace(c.Name) == "" {
		return fmt.Errorf("--name is required")
	}
	if action == "add" {
		role := posguard.Role(c.Role)
		switch {
		case !role.Valid():
			return fmt.Errorf("--role %q: want admin, operator, risk, finance or merchant", c.Role)
		case role == posguard.RoleMerchant && c.Merchant == "":
			return fmt.Errorf("--merchant is required for a merchant user")
		case role != posguard.RoleMerchant && c.Merchant != "":
			return fmt.Errorf("--merchant is only for a merchant user")
		}
	}
	return nil
}

// Run performs the action.
func (c *UserCommand) Run(ctx context.Context) error {
	st, err := c.open(ctx)
	if err != nil {
		return err
	}
	as := st.Access()
	switch c.Action {
	case "add":
		return c.add(ctx, st, as)
	case "disable":
		if err := as.SetUserDisabled(ctx, c.Name, true); err != nil {
			return err
		}
		// Sessions and tokens of a disabled user are refused at their next
		// request (the user is checked on each one).
		fmt.Fprintf(c.Stderr, "user %s disabled\n", c.Name)
		return c.audit(ctx, as, "user disable", "user/"+c.Name, `{"before":{"disabled":false},"after":{"disabled":true}}`)
	}
	users, err := as.Users(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tMERCHANT\tSTATUS\tCREATED")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, dash(u.MerchantID), status, u.CreatedAt.Format(time.RFC3339))
	}
	return tw.Flush()
}

// add creates the user.
func (c *UserCommand) add(ctx context.Context, st host.Store, as posguard.AccessStore) error {
	if c.Merchant != "" {
		if _, err := st.Merchant(ctx, c.Merchant); err != nil {
			return fmt.Errorf("--merchant %s: %w", c.Merchant, err)
		}
	}
	password, generated := "", false
	if c.PasswordStdin {
		line, err := bufio.NewReader(c.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("--password-stdin: %w", err)
		}
		password = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		if err := access.ValidPassword(password); err != nil {
			return err
		}
	} else {
		var err error
		if password, err = access.GeneratePassword(); err != nil {
			return err
		}
		generated = true
	}
	hash, err := access.HashPassword(password)
	if err != nil {
		return err
	}
	u := &posguard.User{Name: strings.TrimSpace(c.Name), Role: posguard.Role(c.Role), MerchantID: c.Merchant, PasswordHash: hash}
	if err := as.CreateUser(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(c.Stderr, "user %s created (%s)\n", u.Name, u.Role)
	if generated {
		fmt.Fprintln(c.Stderr, "the password below is shown once:")
		fmt.Fprintln(c.Stdout, password)
	}
	return c.audit(ctx, as, "user add", "user/"+u.Name,
		fmt.Sprintf(`{"before":null,"after":{"name":%q,"role":%q,"merchant_id":%q}}`, u.Name, u.Role, u.MerchantID))
}

// dash shows an empty value as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
