package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/posguard/posguard/diagnosis"
)

func init() {
	register("explain", "explain a response code or internal reason (zh/en): cause, who acts, what to do", func(stdout, stderr io.Writer) Command {
		return &ExplainCommand{Stdout: stdout, Stderr: stderr}
	})
}

// ExplainCommand prints a knowledge base entry.
type ExplainCommand struct {
	Stdout, Stderr io.Writer
	Lang           string
	JSON           bool
	All            bool
	Key            string
}

// ParseFlags reads explain's flags and the code.
func (c *ExplainCommand) ParseFlags(args []string) error {
	fs := newFlagSet("explain", "explain [--lang zh|en|both] [--json] CODE|REASON | --all", c.Stderr)
	fs.StringVar(&c.Lang, "lang", "both", "zh, en or both")
	fs.BoolVar(&c.JSON, "json", false, "print JSON")
	fs.BoolVar(&c.All, "all", false, "list every entry")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch c.Lang {
	case "zh", "en", "both":
	default:
		return fmt.Errorf("--lang %q: want zh, en or both", c.Lang)
	}
	if !c.All && fs.NArg() != 1 {
		return fmt.Errorf("want one response code (e.g. 51) or internal reason (e.g. merchant.frozen)")
	}
	c.Key = fs.Arg(0)
	return nil
}

// Run prints the entry.
func (c *ExplainCommand) Run(ctx context.Context) error {
	var entries []diagnosis.Entry
	if c.All {
		entries = diagnosis.All()
	} else {
		e, ok := diagnosis.Lookup(c.Key)
		if !ok {
			return fmt.Errorf("no knowledge base entry for %q", c.Key)
		}
		entries = []diagnosis.Entry{e}
	}
	if c.JSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		if c.All {
			return enc.Encode(entries)
		}
		return enc.Encode(entries[0])
	}
	for i, e := range entries {
		if i > 0 {
			fmt.Fprintln(c.Stdout)
		}
		if c.Lang == "both" {
			// Chinese first, then English, as a bilingual leaflet.
			fmt.Fprint(c.Stdout, e.Format("zh"))
			fmt.Fprintln(c.Stdout)
			fmt.Fprint(c.Stdout, e.Format("en"))
			continue
		}
		fmt.Fprint(c.Stdout, e.Format(c.Lang))
	}
	return nil
}

// Close does nothing.
func (c *ExplainCommand) Close() error { return nil }
