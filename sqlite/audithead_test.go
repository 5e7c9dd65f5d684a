package sqlite

import (
	"testing"

	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
	"github.com/posguard/posguard/storetest"
)

// TestBatchAuditsAfterRememberedHead follows the committer's remembered
// audit head (groupcommittest.RememberedHead). The other writer is a
// second handle on the same file (the process lock is the commands', not
// Open's); with one writer there is nobody to take turns with, so the
// batch after a refusal remembers the head again.
func TestBatchAuditsAfterRememberedHead(t *testing.T) {
	s := openGroupTemp(t)
	other, err := Open(s.Path(), storetest.NewSealer())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	groupcommittest.RememberedHead(t, groupHarness, s, s.AuditHeadCounts, other, 0)
}
