package http

import (
	"slices"
	"strings"
)

// Knowledge is the diagnosis knowledge base as the API uses it: what a field
// 39 code or an internal reason code means, and why one transaction failed.
// The diagnosis package provides the default (see Server.Knowledge).
type Knowledge interface {
	// Lookup returns the entry for a field 39 code or an internal reason
	// code; false if the key is unknown.
	Lookup(key string) (Entry, bool)
	// Explain explains an outcome from its field 39 code, internal reason
	// and the transaction's evidence (Detail).
	Explain(code, reason string, detail map[string]string) Explanation
}

// Entry is one knowledge base entry.
type Entry struct {
	Key      string   `json:"key"`             // "39:<code>" for a response code, else the reason
	Code     string   `json:"code,omitempty"`  // field 39 code it maps to
	Class    string   `json:"class,omitempty"` // A success … E system fault
	Category string   `json:"category"`        // cause: card, cardholder, operator, terminal…
	Actor    string   `json:"actor"`           // who must act first: CH, OP, ACQ, ISS or NET
	Actors   []string `json:"actors"`          // everyone who may have to act, first one first
	Name     Text     `json:"name"`            // short name
	Meaning  Text     `json:"meaning"`
	Remedy   []Text   `json:"remedy"`          // steps, in order
	Retry    string   `json:"retry,omitempty"` // yes | no | after_fix | later
	Legacy   bool     `json:"legacy,omitempty"`
}

// Explanation says why one transaction failed and what to do about it.
type Explanation struct {
	Code     string            `json:"code,omitempty"`   // field 39
	Reason   string            `json:"reason,omitempty"` // internal reason
	Known    bool              `json:"known"`            // false when neither code nor reason is in the base
	Category string            `json:"category,omitempty"`
	Actor    string            `json:"actor,omitempty"`  // CH, OP, ACQ, ISS or NET
	Actors   []string          `json:"actors,omitempty"` // everyone who may have to act
	Name     Text              `json:"name"`
	Meaning  Text              `json:"meaning"`
	Summary  Text              `json:"summary"` // one sentence naming the evidence and the first step
	Remedy   []Text            `json:"remedy"`
	Retry    string            `json:"retry,omitempty"`
	Evidence map[string]string `json:"evidence,omitempty"` // the transaction's Detail
}

// Actors is the closed set of who may have to act on an outcome:
// CH cardholder, OP merchant/operator, ACQ acquirer, ISS issuer, NET network.
var Actors = []string{"CH", "OP", "ACQ", "ISS", "NET"}

// splitActors reads the knowledge base's actor text ("CH", "CH/ISS") into
// the closed set, first one first; parts outside the set are dropped.
func splitActors(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, "/") {
		p = strings.ToUpper(strings.TrimSpace(p))
		if slices.Contains(Actors, p) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
