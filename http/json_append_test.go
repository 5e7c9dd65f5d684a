package http

import (
	"bytes"
	"encoding/json"
	nethttp "net/http"
	"reflect"
	"testing"

	"github.com/posguard/posguard"
	"github.com/posguard/posguard/qr"
)

// encodeRef is v as writeJSON's encoder writes it.
func encodeRef(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fillView sets every string field of v to text(i) and every integer field
// to n+i, i the field's index: a field added to qr.OrderView and not to
// appendOrderView makes the two differ.
func fillView(v *qr.OrderView, text func(i int) string, n int64) {
	rv := reflect.ValueOf(v).Elem()
	for i := 0; i < rv.NumField(); i++ {
		switch f := rv.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(text(i))
		case reflect.Int, reflect.Int64:
			f.SetInt(n + int64(i))
		}
	}
	v.Refunds = []qr.RefundView{}
}

// TestAppendOrderViewAsEncoder checks appendOrderView against the encoder
// with every field set, each string field empty in turn (omitempty), no
// refund list, and that it leaves what it does not write to the encoder.
func TestAppendOrderViewAsEncoder(t *testing.T) {
	check := func(name string, v qr.OrderView, wantOK bool) {
		t.Helper()
		got, ok := appendOrderView(nil, &v)
		if ok != wantOK {
			t.Fatalf("%s: appended %v, want %v", name, ok, wantOK)
		}
		if want := encodeRef(t, v); ok && !bytes.Equal(append(got, '\n'), want) {
			t.Fatalf("%s:\n%s\nwant\n%s", name, got, want)
		}
	}
	var full qr.OrderView
	fillView(&full, func(i int) string { return "a&<b>" + string(rune('c'+i)) }, 7)
	check("every field", full, true)
	for i := 0; i < reflect.TypeOf(full).NumField(); i++ {
		if reflect.TypeOf(full).Field(i).Type.Kind() != reflect.String {
			continue
		}
		v := full
		reflect.ValueOf(&v).Elem().Field(i).SetString("")
		check("empty "+reflect.TypeOf(full).Field(i).Name, v, true)
	}
	v := full
	v.Refunds = nil
	check("no refund list", v, true)
	v = full
	v.Subject = "咖啡 一杯"
	check("UTF-8", v, true)
	for name, f := range map[string]func(v *qr.OrderView){
		"refunds":       func(v *qr.OrderView) { v.Refunds = []qr.RefundView{{ID: "R1"}} },
		"notifications": func(v *qr.OrderView) { v.Notifications = []qr.NoticeView{{NotifyID: "N1"}} },
		"explanation":   func(v *qr.OrderView) { v.Explanation = "x" },
		"reversal":      func(v *qr.OrderView) { v.Reversal = &qr.ReversalView{State: "pending"} },
		"quote":         func(v *qr.OrderView) { v.Subject = `a"b` },
		"control":       func(v *qr.OrderView) { v.Subject = "a\nb" },
		"U+2028":        func(v *qr.OrderView) { v.Subject = "a\u2028b" },
		"invalid UTF-8": func(v *qr.OrderView) { v.Subject = "a\xffb" },
	} {
		v := full
		f(&v)
		check(name, v, false)
	}
}

// FuzzAppendOrderViewAsEncoder checks that whatever appendOrderView
// writes, the encoder writes the same.
func FuzzAppendOrderViewAsEncoder(f *testing.F) {
	f.Add("Q12", "succeeded", "", int64(1234))
	f.Add("咖啡", "a\u2028", "<&>", int64(-1))
	f.Add("\x7f", "a\\b", "\xe2\x80", int64(0))
	f.Fuzz(func(t *testing.T, s1, s2, s3 string, n int64) {
		var v qr.OrderView
		texts := []string{s1, s2, s3, ""}
		fillView(&v, func(i int) string { return texts[i%len(texts)] }, n)
		got, ok := appendOrderView(nil, &v)
		if want := encodeRef(t, v); ok && !bytes.Equal(append(got, '\n'), want) {
			t.Fatalf("%q\nwant\n%q", got, want)
		}
	})
}

// FuzzAppendOrderChangesAsMarshal checks a new order's audit changes
// against json.Marshal of changesView.
func FuzzAppendOrderChangesAsMarshal(f *testing.F) {
	f.Add("Q12", "B1-2", "paying", int64(1234))
	f.Add("Q<1>", "咖啡&", "a\u2029", int64(-5))
	f.Fuzz(func(t *testing.T, id, no, state string, amount int64) {
		note := qrOrderNote{Amount: posguard.Amount(amount), ID: id, OutOrderNo: no, State: posguard.QRState(state)}
		want, err := json.Marshal(changesView{After: note})
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := appendOrderChanges(nil, note); ok && !bytes.Equal(got, want) {
			t.Fatalf("%s\nwant\n%s", got, want)
		}
		if got, err := changesJSON(nil, note); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("changesJSON %s (%v)\nwant\n%s", got, err, want)
		}
	})
}

// TestChangesJSON checks that a new order's changes are appended, and
// that the others (a before view, escapes) go to json.Marshal.
func TestChangesJSON(t *testing.T) {
	note := qrOrderNote{Amount: 1234, ID: "Q12", OutOrderNo: "B1-2", State: posguard.QRSucceeded}
	if _, ok := appendOrderChanges(nil, note); !ok {
		t.Fatal("a plain note not appended")
	}
	for _, c := range []struct{ before, after any }{
		{nil, note},
		{note, note},
		{nil, qrOrderNote{ID: "Q<1>", OutOrderNo: "B\"1", State: "x"}},
		{nil, map[string]int{"a": 1}},
	} {
		want, _ := json.Marshal(changesView{After: c.after, Before: c.before})
		if got, err := changesJSON(c.before, c.after); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%+v: %s (%v), want %s", c, got, err, want)
		}
	}
}

// newOrderView is the view of a new micropay order that succeeded.
func newOrderView() qr.OrderView {
	return qr.OrderView{ID: "Q12", OutOrderNo: "B1-2", MerchantID: "898310048990001", Mode: "micropay", Channel: "wechat",
		Amount: 1234, AmountYuan: "12.34", State: "succeeded", OutTradeNo: "PG0000000000000012",
		TransactionID: "4200000000202603010000001234", PaidAt: "2026-03-01T02:16:00Z", AuthCode: "1345**********6789",
		RefundedAmountYuan: "0.00", Refunds: []qr.RefundView{}, CreatedAt: "2026-03-01T02:16:00Z", UpdatedAt: "2026-03-01T02:16:00Z"}
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h nethttp.Header }

func (w *discardWriter) Header() nethttp.Header      { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkWriteOrderView writes a new order's answer (the status and
// headers apart): appended as writeJSON does, and with writeJSON's encoder.
func BenchmarkWriteOrderView(b *testing.B) {
	v := newOrderView()
	w := &discardWriter{h: nethttp.Header{}}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bp := viewBufs.Get().(*[]byte)
			out, ok := appendOrderView((*bp)[:0], &v)
			if !ok {
				b.Fatal("not appended")
			}
			_, _ = w.Write(append(out, '\n'))
			*bp = out[:0]
			viewBufs.Put(bp)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(&v)
		}
	})
}

// BenchmarkOrderChanges writes a new order's audit changes: appended, and
// with json.Marshal.
func BenchmarkOrderChanges(b *testing.B) {
	note := qrOrderNote{Amount: 1234, ID: "Q12", OutOrderNo: "B1-2", State: posguard.QRSucceeded}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := changesJSON(nil, note); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(changesView{After: note}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
