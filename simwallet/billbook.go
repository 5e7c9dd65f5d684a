package simwallet

// billBlock is how many bill rows a block of a billBook holds.
const billBlock = 1024

// billBook is every money movement of the channels, in the order they were
// made, kept in blocks of billBlock rows: adding a row never copies the rows
// before it (a slice grown by append copies them all each time it doubles,
// which at thousands of payments a second the channel did on its hot path).
type billBook struct {
	blocks [][]billRow
}

// add appends r.
func (b *billBook) add(r billRow) {
	n := len(b.blocks)
	if n == 0 || len(b.blocks[n-1]) == billBlock {
		b.blocks = append(b.blocks, make([]billRow, 0, billBlock))
		n++
	}
	b.blocks[n-1] = append(b.blocks[n-1], r)
}

// each calls f with every row in order, until f returns false; f may
// change the row.
func (b *billBook) each(f func(r *billRow) bool) {
	for _, blk := range b.blocks {
		for i := range blk {
			if !f(&blk[i]) {
				return
			}
		}
	}
}

// len is the number of rows.
func (b *billBook) len() int {
	n := 0
	for _, blk := range b.blocks {
		n += len(blk)
	}
	return n
}
