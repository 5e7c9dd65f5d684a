package main

import (
	"context"
	"fmt"
	"io"

	"github.com/posguard/posguard/host"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/settlement"
)

func init() {
	register("seed", "load merchants, terminals and the acquirer from a world file (idempotent)", func(stdout, stderr io.Writer) Command {
		return &SeedCommand{Stdout: stdout, Stderr: stderr}
	})
}

// SeedCommand loads a world file into a store.
type SeedCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	DB          string
	HostKeyFile string
	File        string
	store       host.Store
}

// ParseFlags reads seed's flags and the file argument.
func (c *SeedCommand) ParseFlags(args []string) error {
	fs := newFlagSet("seed", "seed --db DSN FILE", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.DB, "db", "sqlite:posguard-data/posguard.db", "store: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&c.HostKeyFile, "host-key-file", "", "host key file (default beside a SQLite database; created if missing)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want exactly one world file (posguard seed --db DSN FILE)")
	}
	c.File = fs.Arg(0)
	return nil
}

// Run parses the whole file first (a bad file loads nothing), then loads it.
func (c *SeedCommand) Run(ctx context.Context) error {
	w, err := seed.ParseFile(c.File)
	if err != nil {
		return err
	}
	log := c.logger(c.Stderr, "info")
	st, _, err := openStore(ctx, c.DB, c.HostKeyFile, true, log)
	if err != nil {
		return err
	}
	c.store = st
	if err := storeAcquirer(ctx, st, w); err != nil {
		return err
	}
	rep, err := seed.Load(ctx, st, w)
	if err != nil {
		return err
	}
	if err := settlement.LoadFeePlans(ctx, st.Money(), w.FeePlans); err != nil {
		return fmt.Errorf("fee plans: %w", err)
	}
	if err := settlement.LoadCardKinds(ctx, st.Money(), w.Cards); err != nil {
		return fmt.Errorf("card kinds: %w", err)
	}
	if err := storeOnboarding(ctx, st, w); err != nil {
		return fmt.Errorf("onboarding: %w", err)
	}
	if err := storeWallets(ctx, st.QR(), w); err != nil {
		return fmt.Errorf("wallet channels: %w", err)
	}
	fmt.Fprintf(c.Stdout, "loaded %s: %s\n", c.File, rep)
	return nil
}

// storeAcquirer keeps the acquirer id and the (sealed) zone PIN key.
func storeAcquirer(ctx context.Context, st host.Store, w *seed.World) error {
	if err := st.PutSetting(ctx, posguard.SettingAcquirerID, []byte(w.Acquirer.ID), false); err != nil {
		return err
	}
	return st.PutSetting(ctx, posguard.SettingZonePINKey, w.Acquirer.ZonePINKey, true)
}

// storeWallets keeps the wallet channels and the merchants' wallets, keys
// sealed under the host key (spec/wallet-channel.md §6). Loading again
// rewrites them with the same content.
func storeWallets(ctx context.Context, q posguard.QRStore, w *seed.World) error {
	for i := range w.WalletChannels {
		if err := q.PutWalletChannel(ctx, &w.WalletChannels[i]); err != nil {
			return err
		}
	}
	for i := range w.Wallets {
		if err := q.PutMerchantWallet(ctx, &w.Wallets[i]); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the store.
func (c *SeedCommand) Close() error {
	if c.store != nil {
		return c.store.Close()
	}
	return nil
}
