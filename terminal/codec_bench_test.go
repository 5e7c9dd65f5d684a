package terminal

import (
	"testing"

	"github.com/posguard/posguard/iso8583"
)

// benchSale is a magstripe sale with PIN as a terminal sends it.
func benchSale() *iso8583.Message {
	m := iso8583.NewMessage("0200")
	m.Set(2, "6222020000000000018")
	m.Set(3, "000000")
	m.Set(4, "000000010000")
	m.Set(11, "000123")
	m.Set(22, "021")
	m.Set(25, "00")
	m.Set(26, "12")
	m.Set(35, "6222020000000000018D49122010000000")
	m.Set(41, "10000001")
	m.Set(42, "898310048990001")
	m.Set(49, "156")
	m.SetBytes(52, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	m.Set(53, "2600000000000000")
	m.Set(60, "22000001000")
	m.Set(63, "001")
	m.SetBytes(64, []byte{9, 8, 7, 6, 5, 4, 3, 2})
	return m
}

// BenchmarkCUPSPackUnpackSale measures one pack and one unpack of a sale
// with the terminal profile (the codec target is 200,000 a second
// per core, 5 µs an operation).
func BenchmarkCUPSPackUnpackSale(b *testing.B) {
	m := benchSale()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = CUPS.AppendPack(buf[:0], m); err != nil {
			b.Fatal(err)
		}
		got, err := CUPS.Unpack(buf)
		if err != nil || got.Get(11) != "000123" {
			b.Fatal(err)
		}
	}
}

// BenchmarkCUPSPackSale measures packing alone.
func BenchmarkCUPSPackSale(b *testing.B) {
	m := benchSale()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = CUPS.AppendPack(buf[:0], m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCUPSUnpackSale measures unpacking alone.
func BenchmarkCUPSUnpackSale(b *testing.B) {
	data, err := CUPS.Pack(benchSale())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CUPS.Unpack(data); err != nil {
			b.Fatal(err)
		}
	}
}
