package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/posguard/posguard/terminal"
)

func init() {
	register("decode", "decode a terminal frame given in hex (PAN masked)", func(stdout, stderr io.Writer) Command {
		return &DecodeCommand{Stdout: stdout, Stderr: stderr}
	})
}

// DecodeCommand prints the fields of a captured terminal frame.
type DecodeCommand struct {
	Stdout, Stderr io.Writer
	JSON           bool
	Hex            string
}

// ParseFlags reads --json and the hex argument (spaces and newlines allowed).
func (c *DecodeCommand) ParseFlags(args []string) error {
	fs := newFlagSet("decode", "decode [--json] HEX", c.Stderr)
	fs.BoolVar(&c.JSON, "json", false, "print one JSON object instead of a listing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("want a frame in hex")
	}
	c.Hex = strings.Join(fs.Args(), "")
	return nil
}

// Run decodes the frame; a frame that fails part-way prints what was
// decoded and the error, and exits non-zero.
func (c *DecodeCommand) Run(ctx context.Context) error {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '\r', '\t', ':':
			return -1
		}
		return r
	}, c.Hex)
	raw, err := hex.DecodeString(clean)
	if err != nil {
		return fmt.Errorf("not hex: %v", err)
	}
	v, derr := terminal.DecodeView(raw)
	if v != nil {
		if c.JSON {
			b, err := v.JSON()
			if err != nil {
				return err
			}
			fmt.Fprintln(c.Stdout, string(b))
		} else {
			fmt.Fprint(c.Stdout, v.Text())
		}
	}
	return derr
}

// Close does nothing.
func (c *DecodeCommand) Close() error { return nil }
