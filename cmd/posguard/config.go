package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// newFlagSet returns a flag set for a subcommand whose usage prints the
// summary and the flags. Every set has --config.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.String("config", "", "optional YAML file of flag values (flag names as keys)")
	addHostKeyFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: posguard %s\n\nflags (also POSGUARD_<FLAG> or --config):\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, then fills each flag not given on the command
// line from the environment (POSGUARD_DB for --db, POSGUARD_TERMINAL_ADDR
// for --terminal-addr) or else from the --config file. Precedence: command
// line, environment, file, default.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	fileValues := map[string]string{}
	cfgPath := fs.Lookup("config").Value.String()
	if cfgPath == "" {
		cfgPath = os.Getenv("POSGUARD_CONFIG")
	}
	if cfgPath != "" {
		data, err := os.ReadFile(cfgPath)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		// Values are read as the text written, not as YAML types: a date
		// (date: 2026-03-01) or a time stays as written without quotes, and
		// 08:00 is not turned into a number.
		var raw map[string]yaml.Node
		if err := yaml.Unmarshal(data, &raw); err != nil {
			return fmt.Errorf("config %s: %w", cfgPath, err)
		}
		for k, v := range raw {
			if fs.Lookup(k) == nil {
				return fmt.Errorf("config %s: unknown setting %q", cfgPath, k)
			}
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("config %s: %s: want a single value, line %d", cfgPath, k, v.Line)
			}
			fileValues[k] = v.Value
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil || f.Name == "config" {
			return
		}
		env := "POSGUARD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", env, e)
			}
			return
		}
		if v, ok := fileValues[f.Name]; ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("config %s: %w", f.Name, e)
			}
		}
	})
	if f := fs.Lookup("log-format"); f != nil && err == nil {
		err = checkLogFormat(f.Value.String())
	}
	return err
}
