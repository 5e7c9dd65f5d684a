package terminal

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Hand-built bodies (MTI + bitmap + fields), field by field.
const (
	tpduHex   = "6000030000"
	headerHex = "603100311234"

	// 0800 sign-on, 60.3 = 003: 11, 41, 42, 60, 63.
	signOnBody = "0800" + "0020000000C00012" +
		"000001" + // 11
		"3130303030303031" + // 41 "10000001"
		"383938333130303438393930303031" + // 42 "898310048990001"
		"0011" + "000000010030" + // 60 "00000001003" + pad
		"0003" + "303031" // 63 "001"

	// 0200 sale, swiped with PIN: 3 4 11 22 25 26 35 41 42 49 52 53 60 64.
	saleBody = "0200" + "302004C020C09811" +
		"000000" + // 3
		"000000010000" + // 4: 100.00
		"000002" + // 11
		"0210" + // 22 "021", left-aligned
		"00" + // 25
		"12" + // 26
		"28" + "6225880000000018D28121011234" + // 35
		"3130303030303031" + // 41
		"383938333130303438393930303031" + // 42
		"313536" + // 49 "156"
		"0102030405060708" + // 52 PIN block
		"2600000000000000" + // 53
		"0011" + "220000010000" + // 60 "22000001000"
		"3141324233433444" // 64 "1A2B3C4D"

	// 0200 void, manual PAN of 15 digits padded with F: 2 3 4 11 14 22 25
	// 37 38 41 42 49 60 61 64.
	voidBody = "0200" + "702404800CC08019" +
		"15" + "622588000000001F" + // 2
		"200000" + // 3
		"000000010000" + // 4
		"000003" + // 11
		"2812" + // 14
		"0120" + // 22 "012"
		"00" + // 25
		"303030303030303030303031" + // 37 "000000000001"
		"313233343536" + // 38 "123456"
		"3130303030303031" + // 41
		"383938333130303438393930303031" + // 42
		"313536" + // 49
		"0011" + "230000010000" + // 60 "23000001000"
		"0016" + "0000010000021123" + // 61: batch 000001, STAN 000002, date 1123
		"3141324233433444" // 64

	// 0500 settlement: 11 41 42 48 49 60 63 (no MAC).
	settleBody = "0500" + "0020000000C18012" +
		"000004" + // 11
		"3130303030303031" + // 41
		"383938333130303438393930303031" + // 42
		"0062" + "000000010000" + "001" + "000000000000" + "000" + "0" + // 48 domestic: 100.00 x1, no credits, result 0
		"000000000000" + "000" + "000000000000" + "000" + "0" + // 48 foreign: nothing
		"313536" + // 49
		"0011" + "000000012010" + // 60 "00000001201"
		"0003" + "303031" // 63
)

// unhex decodes hex written with spaces.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// frameOf returns a full frame (length prefix, TPDU, header) around body.
func frameOf(t testing.TB, body string) []byte {
	t.Helper()
	b := unhex(t, tpduHex+headerHex+body)
	return append([]byte{byte(len(b) >> 8), byte(len(b))}, b...)
}

// parseBody returns the frame around body, failing the test on error.
func parseBody(t testing.TB, body string) *Frame {
	t.Helper()
	f, err := ParseFrame(frameOf(t, body))
	if err != nil {
		t.Fatalf("ParseFrame: %v", err)
	}
	return f
}
