package sqlstore

import "testing"

func TestChunkSizes(t *testing.T) {
	for n := 0; n < 300; n++ {
		sum, prev := 0, 1<<30
		for _, c := range chunkSizes(n, 64) {
			if c > 64 || c <= 0 || c > prev || c&(c-1) != 0 {
				t.Fatalf("n=%d: chunk %d in %v", n, c, chunkSizes(n, 64))
			}
			sum, prev = sum+c, c
		}
		if sum != n {
			t.Fatalf("n=%d: chunks %v sum to %d", n, chunkSizes(n, 64), sum)
		}
	}
	if got := values(2, 3); got != "(?, ?, ?), (?, ?, ?)" {
		t.Fatalf("values(2, 3) = %q", got)
	}
}
