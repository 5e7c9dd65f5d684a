// Package wallet is posguard's client of the QR wallet channels
// (WeChat Pay-, Alipay- and UnionPay QR-like) described in
// spec/wallet-channel.md: payment-code routing, HMAC-SHA256 signing of
// requests, verification of answers and notifications, and one method per
// channel endpoint.
//
// A call returns either a trusted answer (signed with the channel key, the
// request's nonce echoed, the order numbers echoed) or an error for which
// IsUnknown reports true: the request may or may not have been applied, and
// the caller must find out by querying. A trusted answer's business outcome is
// read from its ReturnCode, ResultCode and Code.
package wallet
