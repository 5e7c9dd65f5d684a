package iso8583

import "sync"

// messages holds emptied messages for AcquireMessage: a Message is about
// 3 KiB (its fixed field arrays), and a host handling a sale builds and
// decodes several, so reusing them takes most of the bytes a sale
// allocates off the garbage collector.
var messages = sync.Pool{New: func() any { return new(Message) }}

// AcquireMessage returns an empty message with the given MTI, like
// NewMessage, reusing one given back with ReleaseMessage when it can.
func AcquireMessage(mti string) *Message {
	m := messages.Get().(*Message)
	m.MTI = mti
	return m
}

// ReleaseMessage empties m and keeps it for a later AcquireMessage or
// UnpackPooled. The caller must not use m afterwards; the strings it
// returned (Get) stay valid, they are not reused. m may be nil.
func ReleaseMessage(m *Message) {
	if m == nil {
		return
	}
	m.reset()
	messages.Put(m)
}

// reset empties m: its values are dropped (so a kept message holds no
// card data) and every field marked absent.
func (m *Message) reset() {
	for n := m.next(0); n != 0; n = m.next(n) {
		m.vals[n] = ""
	}
	m.MTI = ""
	m.present = [2]uint64{}
	m.spanOK = [2]uint64{}
}

// UnpackPooled is Unpack with the message taken from the pool of
// AcquireMessage: give it back with ReleaseMessage once its values have
// been read.
func (s *Spec) UnpackPooled(data []byte) (*Message, error) {
	m := messages.Get().(*Message)
	err := s.unpack(data, m)
	if m.MTI == "" {
		ReleaseMessage(m)
		return nil, err
	}
	return m, err
}
