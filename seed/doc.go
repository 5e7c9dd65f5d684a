// Package seed reads a posguard world file and loads it into a store.
//
// A world file (YAML, or JSON of the same shape) describes the acquirer, its
// fee plans, merchants and terminals, and the card accounts of the simulated
// network, so that one file sets up a whole demo or test world. Parse checks
// every entry and rejects a bad file whole, naming the line and the field of
// each problem:
//
//	world.yaml:23: terminals[2].tmk: want 32 hex digits
//
// Load upserts the merchants and then the terminals into a store; loading the
// same world twice changes nothing. The format is described in
// docs/seed-format.md.
package seed
