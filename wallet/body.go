package wallet

import "io"

// ReadBody reads at most limit+1 bytes of r (a caller compares the length
// with limit to refuse a body above it) and returns them with the error
// that ended the read (nil at io.EOF). size is the body's declared length
// (Content-Length; -1 when unknown): when it is within limit the buffer is
// allocated once at that size, where io.ReadAll would start small and grow
// it several times for a body of a kilobyte.
func ReadBody(r io.Reader, size, limit int64) ([]byte, error) {
	n := int64(512)
	if size >= 0 && size <= limit {
		n = size + 1 // room for the read that sees io.EOF
	}
	b := make([]byte, 0, n)
	lr := io.LimitedReader{R: r, N: limit + 1}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		m, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
