// Package network is posguard's upstream link to the card network: the
// generic ISO 8583:1987 host-to-host profile (Spec87: ASCII MTI and digits,
// binary bitmaps, ASCII length prefixes, framed by a 2-byte big-endian
// length), the mapping between posguard.UpstreamRequest/UpstreamResponse and
// wire messages, and Client, which implements posguard.Upstream over several
// TCP connections.
//
// The Client matches answers to requests by MTI class, STAN (11),
// transmission date-time (7), acquirer id (32) and terminal id (41). An
// answer that matches nothing outstanding (its Send already gave up) is a
// late answer: it is handed to Client.OnLate, never dropped, because an
// approval that arrives late means money moved and must be reversed.
//
// Error codes returned by Send: ETIMEOUT when no trusted answer came in time
// (the request may have reached the network, including when the connection
// dropped while it was outstanding), EUNAVAILABLE when the request certainly
// did not leave the host, EINTERNAL when an answer came but cannot be trusted
// (malformed, or its amount differs from the request's), EINVALID when the
// request cannot be encoded, ECONFLICT when a request with the same matching
// key is already outstanding.
//
// See docs/network.md for the profile and the design choices.
package network
