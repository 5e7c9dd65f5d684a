package metrics_test

import (
	"bufio"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/metrics"
)

// Example records one approved sale and shows the series it produced.
func Example() {
	m := metrics.New()
	m.Answered(&posguard.TerminalRequest{Type: posguard.TxnSale},
		&posguard.TerminalResponse{Answer: posguard.Answer{Code: "00"}}, 120*time.Millisecond)
	m.ReversalQueue(1, 30*time.Second)

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "posguard_transactions_total") ||
			strings.HasPrefix(line, "posguard_transaction_duration_seconds_count") ||
			strings.HasPrefix(line, "posguard_reversal_") {
			fmt.Println(line)
		}
	}
	// Output:
	// posguard_reversal_oldest_seconds 30
	// posguard_reversal_queue_depth 1
	// posguard_transaction_duration_seconds_count{type="sale"} 1
	// posguard_transactions_total{code="00",type="sale"} 1
}
