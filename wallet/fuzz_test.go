package wallet

import "testing"

func FuzzDecodeAnswer(f *testing.F) {
	key, _ := ParseKey(vecKey)
	f.Add([]byte(vecAnswer), "5K8264ILTKCH16CQ")
	f.Add([]byte(`{"return_code":"FAIL"}`), "")
	f.Add([]byte(`[1,2]`), "x")
	f.Fuzz(func(t *testing.T, body []byte, nonce string) {
		for _, out := range []interface{ result() *Result }{&MicropayAnswer{}, &QueryAnswer{}, &ReverseAnswer{}, &RefundAnswer{}, &BillAnswer{}} {
			err := DecodeAnswer(key, body, Sign(key, body), nonce, "PG0000000000000001", "R1", out)
			if err != nil && !IsUnknown(err) {
				t.Fatalf("error not unknown: %v", err)
			}
			if err == nil {
				r := out.result()
				if r.Nonce != nonce || (r.ReturnCode != CodeSuccess && r.ReturnCode != CodeFail) {
					t.Fatalf("untrusted answer accepted: %+v", r)
				}
				_ = r.Code()
				_ = r.Err()
			}
		}
	})
}

func FuzzDecodeNotification(f *testing.F) {
	key, _ := ParseKey(vecKey)
	f.Add([]byte(`{"app_id":"wx","mch_id":"1","nonce":"n","timestamp":1,"out_trade_no":"PG1","transaction_id":"T","trade_type":"NATIVE","trade_state":"SUCCESS","amount":1,"paid_at":"2026-03-01T10:16:00+08:00"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := DecodeNotification(key, body, Sign(key, body))
		if err == nil && (!ValidAmount(n.Amount) || !ValidNumber(n.OutTradeNo)) {
			t.Fatalf("bad notification accepted: %+v", n)
		}
		if _, err := DecodeNotification(key, body, ""); err == nil {
			t.Fatal("unsigned notification accepted")
		}
	})
}

func FuzzParseBill(f *testing.F) {
	f.Add(BillHeader + "\n2026-03-01T10:16:00+08:00,wx,1,PG1,T1,MICROPAY,PAY,1234,,,5\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		rows, err := ParseBill(text)
		if err != nil {
			return
		}
		again, err := ParseBill(FormatBill(rows))
		if err != nil || len(again) != len(rows) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
