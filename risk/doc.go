// Package risk evaluates the risk rules (posguard.RiskRule, rules as data)
// in the authorization path of card sales, records every hit, and freezes
// and unfreezes merchants. Evaluation is in memory: each rule keeps sliding
// windows of the debits it looks at, per card, per merchant or per card at
// a merchant, so a sale costs no database read. docs/risk.md has the rule
// language with examples.
package risk
