// Package host assembles the posguard acquiring host from its parts: the
// switch over a store, the network link, the reversal worker, the terminal
// gateway and server, failure analytics and incident detection, casework,
// the ledger poster, payouts and the JSON API.
//
// It is the one assembly: `posguard serve` runs it (and so `posguard demo`
// and `posguard chaos`, which start serve), and `posguard bench` measures
// it in-process, so the bench measures the host that runs in production
// with every background part included.
//
//	h, err := host.New(ctx, host.Config{Store: st, HostKey: hk, Network: []string{"127.0.0.1:5900"}})
//	...
//	err = h.Run(ctx, terminalListener, httpListener) // until ctx ends; then drains
package host
