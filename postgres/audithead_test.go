package postgres

import (
	"testing"

	"github.com/posguard/posguard/internal/groupcommit/groupcommittest"
)

// TestBatchAuditsAfterRememberedHead follows the group committer's
// remembered audit head (groupcommittest.RememberedHead). The other writer
// is a second instance on the same schema; after its head is refused the
// committer reads the head for staleSkip batches, the refused batch's run
// again among them.
func TestBatchAuditsAfterRememberedHead(t *testing.T) {
	sts := twoInstances(t)
	groupcommittest.RememberedHead(t, groupHarness, sts[0], sts[0].AuditHeadCounts, sts[1], staleSkip)
}
