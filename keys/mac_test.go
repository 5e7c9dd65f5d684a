package keys_test

import (
	"bytes"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/keys"
)

// Fixed cups-ecb vectors, derived by hand from spec §5 with OpenSSL as the
// cipher (not with this package). For "Now is the time for all " (24 bytes,
// no padding block): R = 4065257461722974, H = "4065257461722974"; under the
// double-length key 0123456789ABCDEF FEDCBA9876543210, E1 = EF10BDC68FD4F8C2,
// E2 = F5BE6DD06D76A8FD, so field 64 = "F5BE6DD0". For "Now is the time for
// it" (22 bytes, padded with two zeros): R = 40652574696A4554,
// E2 = 0A874F3462B444CB. Under the single-length key 0123456789ABCDEF the
// E2 values are 1E7AAB7884F9A461 and 68BAFD1FBC72F272.
//
// x919: ISO 9797-1 Annex B, MAC algorithm 3 with padding method 1, keys
// K = 0123456789ABCDEF, K' = FEDCBA9876543210, data "Now is the time for all ":
// A1C72E74EA3FA9B6; algorithm 1 (single-length key): 70A30640CC76DD8B.
func TestMACKnownAnswers(t *testing.T) {
	const (
		double = "0123456789ABCDEFFEDCBA9876543210"
		single = "0123456789ABCDEF"
		d24    = "Now is the time for all "
		d22    = "Now is the time for it"
	)
	tests := []struct {
		alg, key, data string
		want           []byte
	}{
		{posguard.MACCupsECB, double, d24, []byte("F5BE6DD0")},
		{posguard.MACCupsECB, double, d22, []byte("0A874F34")},
		{posguard.MACCupsECB, single, d24, []byte("1E7AAB78")},
		{posguard.MACCupsECB, single, d22, []byte("68BAFD1F")},
		{posguard.MACX919, double, d24, unhex(t, "A1C72E74EA3FA9B6")},
		{posguard.MACX919, single, d24, unhex(t, "70A30640CC76DD8B")},
	}
	for _, tt := range tests {
		t.Run(tt.alg+"/"+tt.key+"/"+tt.data, func(t *testing.T) {
			got, err := keys.MAC(tt.alg, unhex(t, tt.key), []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("MAC = %X, want %X", got, tt.want)
			}
			if !keys.VerifyMAC(tt.alg, unhex(t, tt.key), []byte(tt.data), tt.want) {
				t.Fatal("VerifyMAC rejects the right MAC")
			}
		})
	}
}

// cups-ecb pads with zeros to the next multiple of 8: explicit trailing zeros
// up to the block boundary give the same MAC, and empty data is accepted.
func TestCupsECBPadding(t *testing.T) {
	key := unhex(t, "0123456789ABCDEFFEDCBA9876543210")
	a, _ := keys.MAC(posguard.MACCupsECB, key, []byte("Now is the time for it"))
	b, _ := keys.MAC(posguard.MACCupsECB, key, []byte("Now is the time for it\x00\x00"))
	if !bytes.Equal(a, b) {
		t.Fatalf("padded by hand %s != implicit padding %s", b, a)
	}
	empty, err := keys.MAC(posguard.MACCupsECB, key, nil)
	if err != nil || len(empty) != keys.MACLen {
		t.Fatalf("MAC(empty) = %X, %v", empty, err)
	}
}

func TestMACChangesWithEveryByte(t *testing.T) {
	data := bytes.Repeat([]byte("0200 posguard MAC data "), 3)
	for _, alg := range []string{posguard.MACCupsECB, posguard.MACX919} {
		for _, key := range [][]byte{unhex(t, "0123456789ABCDEF"), unhex(t, "0123456789ABCDEFFEDCBA9876543210")} {
			base, err := keys.MAC(alg, key, data)
			if err != nil {
				t.Fatal(err)
			}
			for i := range data {
				changed := bytes.Clone(data)
				changed[i] ^= 0x01
				m, _ := keys.MAC(alg, key, changed)
				if bytes.Equal(m, base) {
					t.Fatalf("%s: flipping data byte %d leaves the MAC unchanged", alg, i)
				}
			}
			for bit := 0; bit < 64; bit++ {
				bad := bytes.Clone(base)
				bad[bit/8] ^= 1 << (bit % 8)
				if keys.VerifyMAC(alg, key, data, bad) {
					t.Fatalf("%s: VerifyMAC accepts MAC with bit %d flipped", alg, bit)
				}
			}
			if keys.VerifyMAC(alg, key, data, base[:7]) {
				t.Fatalf("%s: VerifyMAC accepts a truncated MAC", alg)
			}
			other := bytes.Clone(key)
			other[0] ^= 0x02 // not a parity bit
			if keys.VerifyMAC(alg, other, data, base) {
				t.Fatalf("%s: VerifyMAC accepts the MAC under another key", alg)
			}
		}
	}
}

func TestMACErrors(t *testing.T) {
	tests := []struct {
		name, alg string
		key       []byte
	}{
		{"unknown alg", "sha1", make([]byte, 16)},
		{"cups bad key", posguard.MACCupsECB, make([]byte, 10)},
		{"x919 24-byte key", posguard.MACX919, make([]byte, 24)},
		{"x919 no key", posguard.MACX919, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := keys.MAC(tt.alg, tt.key, []byte("data")); posguard.ErrorCode(err) != posguard.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if keys.VerifyMAC(tt.alg, tt.key, []byte("data"), make([]byte, 8)) {
				t.Fatal("VerifyMAC true on error")
			}
		})
	}
}

func BenchmarkMACCupsECB(b *testing.B) {
	key := unhex(b, "0123456789ABCDEFFEDCBA9876543210")
	data := bytes.Repeat([]byte{0x5A}, 200)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := keys.MAC(posguard.MACCupsECB, key, data); err != nil {
			b.Fatal(err)
		}
	}
}
