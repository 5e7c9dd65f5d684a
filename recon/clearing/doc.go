// Package clearing reads and writes the files reconciliation works on
// (spec/clearing-file.md): the card network's clearing file (清算流水文件,
// fixed 300-byte GBK records) and the bank's payout result file (代付结果文件,
// CSV). Readers stream in bounded memory, reject a bad file with one line
// naming the line and field, and never keep a full card number: a line's
// card is masked 6 + 4 as in the journal.
package clearing
