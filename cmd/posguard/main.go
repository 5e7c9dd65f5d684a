// Command posguard is the posguard acquiring host and its tools: one binary,
// one subcommand per file (serve, demo, simnet, sim, seed, migrate, decode,
// explain).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// Command is one subcommand. Main runs ParseFlags, Run, then Close; tests
// drive the same methods with temp databases and ":0" ports.
type Command interface {
	// ParseFlags reads the command line (and POSGUARD_* environment and an
	// optional --config file).
	ParseFlags(args []string) error
	// Run does the work until it is finished or ctx ends.
	Run(ctx context.Context) error
	// Close releases what Run opened.
	Close() error
}

type commandInfo struct {
	summary string
	make    func(stdout, stderr io.Writer) Command
}

var commands = map[string]commandInfo{}

// register adds a subcommand; each file registers its own in init.
func register(name, summary string, make func(stdout, stderr io.Writer) Command) {
	commands[name] = commandInfo{summary, make}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs the subcommand named by args[0] and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			// posguard help CMD is posguard CMD --help.
			return Main(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	}
	if args[0] == "-version" || args[0] == "--version" {
		args = []string{"version"}
	}
	info, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "posguard: unknown command %q (try posguard --help)\n", args[0])
		return 2
	}
	// Asked for help, a command prints its usage on stdout (and exits 0);
	// a usage printed because of a bad flag goes to stderr.
	helpOut := stderr
	if wantsHelp(args[1:]) {
		helpOut = stdout
	}
	cmd := info.make(stdout, helpOut)
	if err := cmd.ParseFlags(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "posguard %s: %v\n", args[0], err)
		return 2
	}
	err := cmd.Run(ctx)
	if cerr := cmd.Close(); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "posguard %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// wantsHelp reports whether args ask for help (-h, -help, --help) before
// the first non-flag argument or "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-h" || a == "-help" || a == "--help":
			return true
		}
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "posguard: card-acquiring host and back office")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: posguard <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-9s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'posguard <command> --help' for a command's flags. Every flag can also be set")
	fmt.Fprintln(w, "as POSGUARD_<FLAG> in the environment (e.g. POSGUARD_DB) or in a --config file.")
}
