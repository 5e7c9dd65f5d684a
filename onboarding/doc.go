// Package onboarding takes merchants in through applications (进件): it
// checks them (GB 32100 and GB 11643 check digits, phone, documents by kind,
// account name, duplicates, blacklist), verifies the legal person's real
// name with a posguard.Verifier (四要素), has them reviewed by someone other
// than their creator (maker-checker), and creates the merchant on approval.
// It also binds terminals to serial numbers and delivers their master keys
// as two components with a check value. docs/onboarding.md has the states
// and the checks.
package onboarding
