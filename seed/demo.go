package seed

import _ "embed"

// demoWorld is the world `posguard demo` runs: merchants in every status,
// terminals of each key scheme, cards of four issuers in every state.
//
//go:embed demo-world.yaml
var demoWorld []byte

// DemoYAML returns the demo world file as shipped in the binary.
func DemoYAML() []byte { return append([]byte(nil), demoWorld...) }

// Demo parses the shipped demo world.
func Demo() (*World, error) { return Parse(demoWorld, "demo-world.yaml") }
