package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is posguard's version, set at build time with
// -ldflags "-X main.version=v1.2.3"; otherwise it comes from the module
// build information ("(devel)" for a plain go build).
var version = ""

func init() {
	register("version", "print posguard's version, Go version and source revision", func(stdout, stderr io.Writer) Command {
		return &VersionCommand{Stdout: stdout, Stderr: stderr}
	})
}

// VersionCommand prints the version.
type VersionCommand struct {
	Stdout, Stderr io.Writer
}

// ParseFlags takes no flags or arguments.
func (c *VersionCommand) ParseFlags(args []string) error {
	fs := newFlagSet("version", "version", c.Stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// Run prints "posguard VERSION (GO, OS/ARCH[, REVISION])".
func (c *VersionCommand) Run(context.Context) error {
	v, rev := version, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
				if len(rev) > 12 {
					rev = rev[:12]
				}
			case "vcs.modified":
				if s.Value == "true" && rev != "" {
					rev += "+dirty"
				}
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	extra := ""
	if rev != "" {
		extra = ", " + rev
	}
	_, err := fmt.Fprintf(c.Stdout, "posguard %s (%s, %s/%s%s)\n", v, runtime.Version(), runtime.GOOS, runtime.GOARCH, extra)
	return err
}

// Close does nothing.
func (c *VersionCommand) Close() error { return nil }
