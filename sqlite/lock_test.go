package sqlite_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/sqlite"
)

// TestLockRefusesSecondHolder: while one holder has the database, a second
// Acquire fails with ECONFLICT naming the file and the holder; once
// released, it succeeds.
func TestLockRefusesSecondHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	l, err := sqlite.Acquire(path, "posguard serve")
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqlite.Acquire(path, "posguard migrate")
	if posguard.ErrorCode(err) != posguard.ECONFLICT {
		t.Fatalf("second acquire: %v, want ECONFLICT", err)
	}
	msg := err.Error()
	for _, want := range []string{path, "posguard serve", "pid " + itoa(os.Getpid())} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := sqlite.Acquire(path, "posguard migrate")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
