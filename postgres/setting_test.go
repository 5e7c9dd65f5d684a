package postgres

import (
	"bytes"
	"context"
	"testing"

	"github.com/posguard/posguard"
)

func TestSettings(t *testing.T) {
	s := openTest(t)
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Setting(ctx, "acquirer_id"); posguard.ErrorCode(err) != posguard.ENOTFOUND {
		t.Fatalf("unset setting: %v, want ENOTFOUND", err)
	}
	zpk := bytes.Repeat([]byte{0x5A, 0xC3}, 8)
	cases := []struct {
		name   string
		value  []byte
		secret bool
	}{
		{"acquirer_id", []byte("48020000"), false},
		{"zpk", zpk, true},
		{"acquirer_id", []byte("48029999"), false}, // overwrite
	}
	for _, c := range cases {
		if err := s.PutSetting(ctx, c.name, c.value, c.secret); err != nil {
			t.Fatalf("put %s: %v", c.name, err)
		}
		got, err := s.Setting(ctx, c.name)
		if err != nil || !bytes.Equal(got, c.value) {
			t.Fatalf("setting %s = %x, %v; want %x", c.name, got, err, c.value)
		}
	}
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM settings WHERE position($1::bytea in value) > 0`, zpk).Scan(&n); err != nil || n != 0 {
		t.Fatalf("secret setting stored in the clear (%d rows, %v)", n, err)
	}
}
