// Package qr is posguard's QR payment engine (spec/wallet-channel.md §3 and
// §4): it journals micropay (被扫) and native (主扫) orders before calling
// the wallet channel, applies the trusted-answer rules, queries unknown
// outcomes, reverses unconfirmed micropay orders and closes expired native
// ones until the channel confirms, makes refunds with reserved amounts,
// takes the channel's payment notifications and delivers signed
// notifications to the merchants' systems.
//
// Every queue (order tasks, refunds, merchant notifications) lives in the
// store (posguard.QRStore) and is driven by reversal.Queue, the mechanism
// the card reversal worker uses: nothing is kept in memory between
// attempts, so a restart resumes where the store says.
package qr
