package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/posguard/posguard/diagnosis"
	"github.com/posguard/posguard/seed"
	"github.com/posguard/posguard/simterm"
)

func init() {
	register("sim", "run a fleet of simulated terminals against a host", func(stdout, stderr io.Writer) Command {
		return &SimCommand{Stdout: stdout, Stderr: stderr}
	})
}

// SimCommand drives a terminal fleet and prints a summary by response code.
type SimCommand struct {
	Stdout, Stderr io.Writer
	logOpts
	Host      string
	World     string
	Terminals int
	Rate      float64
	Count     int
	Duration  time.Duration
	Timeout   time.Duration
	Seed      uint64
	LogLevel  string
}

// ParseFlags reads sim's flags.
func (c *SimCommand) ParseFlags(args []string) error {
	fs := newFlagSet("sim", "sim --host HOST:PORT --world FILE --terminals N --rate R --count C|--duration D", c.Stderr)
	c.addLogFlags(fs)
	fs.StringVar(&c.Host, "host", "127.0.0.1:5800", "the host's terminal address, or several instances' addresses separated by commas (terminals are spread over them and move to the next when theirs fails)")
	fs.StringVar(&c.World, "world", "", "world file (terminals, their keys, and cards); default: the shipped demo world")
	fs.IntVar(&c.Terminals, "terminals", 4, "number of terminals (at most the world's active ones)")
	fs.Float64Var(&c.Rate, "rate", 10, "transactions per second over the fleet (0: as fast as answers come)")
	fs.IntVar(&c.Count, "count", 0, "stop after this many transactions")
	fs.DurationVar(&c.Duration, "duration", 0, "stop after this long")
	fs.DurationVar(&c.Timeout, "timeout", 60*time.Second, "terminal timeout for an answer")
	fs.Uint64Var(&c.Seed, "seed", 0, "random seed (0: time-based)")
	fs.StringVar(&c.LogLevel, "log-level", "warn", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.Count == 0 && c.Duration == 0 {
		return errors.New("give --count or --duration")
	}
	return nil
}

func loadWorld(path string) (*seed.World, error) {
	if path == "" {
		return seed.Demo()
	}
	return seed.ParseFile(path)
}

// Run drives the fleet until the count or duration is reached, or ctx ends.
func (c *SimCommand) Run(ctx context.Context) error {
	w, err := loadWorld(c.World)
	if err != nil {
		return err
	}
	seedVal := c.Seed
	if seedVal == 0 {
		seedVal = uint64(time.Now().UnixNano())
	}
	sum, err := simterm.RunFleet(ctx, simterm.FleetConfig{
		Host: c.Host, World: w, Terminals: c.Terminals, Rate: c.Rate, Count: c.Count, Duration: c.Duration,
		Seed: seedVal, Timeout: c.Timeout, Logger: c.logger(c.Stderr, c.LogLevel),
	})
	if sum != nil {
		sum.PrintWith(c.Stdout, codeMeaning)
	}
	return err
}

// codeMeaning is a response code's meaning in both languages.
func codeMeaning(code string) string {
	e, ok := diagnosis.ForCode(code)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s / %s", e.Meaning.ZH, e.Meaning.EN)
}

// Close does nothing.
func (c *SimCommand) Close() error { return nil }
