package wallet

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	posguard "github.com/posguard/posguard"
)

const (
	vecKey    = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	vecBody   = `{"app_id":"wx5f3c9a1e2b7d4c60","mch_id":"1900000101","nonce":"5K8264ILTKCH16CQ","timestamp":1767225600,"out_trade_no":"PG0000000000000001","auth_code":"134567890123456789","amount":1234,"subject":"示例便利店"}`
	vecSig    = "a2a2e9c60960d5c936077715ea07e886f317a026df378006fdc6a24196b7c4fb"
	vecAnswer = `{"return_code":"SUCCESS","result_code":"FAIL","err_code":"USERPAYING","err_msg":"waiting for the payer to confirm","app_id":"wx5f3c9a1e2b7d4c60","mch_id":"1900000101","nonce":"5K8264ILTKCH16CQ","timestamp":1767225601,"out_trade_no":"PG0000000000000001"}`
	vecAnsSig = "53341590548c4074be4623c9ce646f5122885299d9b7c96b12fe5ad6fe8e8230"
)

func TestSignSpecVectors(t *testing.T) {
	key, err := ParseKey(vecKey)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, body, sig string
		size            int
	}{
		{"request", vecBody, vecSig, 214},
		{"answer", vecAnswer, vecAnsSig, 253},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if len(c.body) != c.size {
				t.Fatalf("body is %d bytes, spec says %d", len(c.body), c.size)
			}
			if got := Sign(key, []byte(c.body)); got != c.sig {
				t.Fatalf("Sign = %s, want %s", got, c.sig)
			}
			if !Verify(key, []byte(c.body), strings.ToUpper(c.sig)) {
				t.Fatal("upper-case signature does not verify")
			}
			if Verify(key, []byte(c.body+" "), c.sig) || Verify(key, []byte(c.body), "") || Verify(key, []byte(c.body), c.sig[:62]) {
				t.Fatal("a changed body or signature verifies")
			}
		})
	}
}

func TestEncodeRequestMatchesSpecVector(t *testing.T) {
	body, err := EncodeRequest(Header{AppID: "wx5f3c9a1e2b7d4c60", MchID: "1900000101", Nonce: "5K8264ILTKCH16CQ", Timestamp: 1767225600},
		MicropayRequest{OutTradeNo: "PG0000000000000001", AuthCode: "134567890123456789", Amount: 1234, Subject: "示例便利店"})
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != vecBody {
		t.Fatalf("body\n%s\nwant\n%s", body, vecBody)
	}
}

func TestDecodeAnswerSpecVector(t *testing.T) {
	key, _ := ParseKey(vecKey)
	var a MicropayAnswer
	if err := DecodeAnswer(key, []byte(vecAnswer), vecAnsSig, "5K8264ILTKCH16CQ", "PG0000000000000001", "", &a); err != nil {
		t.Fatal(err)
	}
	if a.OK() || a.Rejected() || a.Code() != ErrUserPaying {
		t.Fatalf("answer %+v", a.Result)
	}
	for name, err := range map[string]error{
		"other nonce":   DecodeAnswer(key, []byte(vecAnswer), vecAnsSig, "OTHERNONCE000000", "PG0000000000000001", "", &a),
		"other order":   DecodeAnswer(key, []byte(vecAnswer), vecAnsSig, "5K8264ILTKCH16CQ", "PG2", "", &a),
		"bad signature": DecodeAnswer(key, []byte(vecAnswer), vecSig, "5K8264ILTKCH16CQ", "PG0000000000000001", "", &a),
		"html":          DecodeAnswer(key, []byte("<html>"), Sign(key, []byte("<html>")), "5K8264ILTKCH16CQ", "", "", &a),
	} {
		if !IsUnknown(err) {
			t.Errorf("%s: err %v, want unknown", name, err)
		}
	}
}

func TestKindOf(t *testing.T) {
	cases := []struct {
		code string
		want Kind
	}{
		{"134567890123456789", KindWeChat},
		{"104567890123456789", KindWeChat},
		{"154567890123456789", KindWeChat},
		{"164567890123456789", ""}, // 16 not a WeChat prefix
		{"13456789012345678", ""},  // 17 digits
		{"2512345678901234", KindAlipay},
		{"301234567890123456789012", KindAlipay},
		{"3012345678901234567890123", ""}, // 25 digits
		{"241234567890123456", ""},
		{"6212345678901234567", KindUnionPay},
		{"621234567890123456", ""},
		{"13456789012345678a", ""},
		{" 34567890123456789", ""},
		{"", ""},
		{"１34567890123456789", ""}, // full-width digit
	}
	for _, c := range cases {
		k, err := KindOf(c.code)
		if k != c.want || (c.want == "") != (err != nil) {
			t.Errorf("KindOf(%q) = %q, %v; want %q", c.code, k, err, c.want)
		}
		if err != nil && (posguard.ErrorCode(err) != posguard.EINVALID || !strings.Contains(err.Error(), ReasonCodeUnknown)) {
			t.Errorf("KindOf(%q) error %v", c.code, err)
		}
	}
}

func TestRoute(t *testing.T) {
	chs := []Channel{{Name: "ali", Kind: KindAlipay}, {Name: "wx1", Kind: KindWeChat}, {Name: "wx2", Kind: KindWeChat}}
	ch, err := Route("134567890123456789", chs)
	if err != nil || ch.Name != "wx1" {
		t.Fatalf("Route = %v, %v; want the first wechat channel", ch.Name, err)
	}
	if _, err := Route("6212345678901234567", chs); err == nil || !strings.Contains(err.Error(), ReasonChannelNotConfigured) {
		t.Fatalf("unionpay without a channel: %v", err)
	}
	if _, err := Route("99", chs); err == nil || !strings.Contains(err.Error(), ReasonCodeUnknown) {
		t.Fatalf("unknown code: %v", err)
	}
}

func TestAuthCodeMasked(t *testing.T) {
	c := AuthCode("134567890123456789")
	want := "134567********6789"
	var sb strings.Builder
	slog.New(slog.NewTextHandler(&sb, nil)).Info("scan", "code", c)
	for _, s := range []string{c.String(), fmt.Sprint(c), fmt.Sprintf("%v %s", c, c), fmt.Sprintf("%#v", c), sb.String(), MaskCode(string(c))} {
		if strings.Contains(s, "890123") || !strings.Contains(s, want) {
			t.Errorf("code shown as %q, want %q", s, want)
		}
	}
}

func TestErrorFor(t *testing.T) {
	cases := map[string]string{
		ErrSignError: posguard.EUNAUTHORIZED, ErrNotEnough: posguard.EINVALID, ErrRefundExceeded: posguard.ECONFLICT,
		ErrOrderNotExist: posguard.ENOTFOUND, ErrTradeError: posguard.EFORBIDDEN, "SOMETHING_NEW": posguard.EUNAVAILABLE,
	}
	for code, want := range cases {
		err := ErrorFor(code, "x")
		if got := posguard.ErrorCode(err); got != want {
			t.Errorf("%s → %s, want %s", code, got, want)
		}
	}
	r := Result{ReturnCode: CodeSuccess, ResultCode: CodeFail, ErrCode: "SOMETHING_NEW"}
	if r.Code() != ErrSystemError {
		t.Errorf("unknown err_code reads %s, want SYSTEMERROR", r.Code())
	}
}

func TestParseKey(t *testing.T) {
	for _, s := range []string{"", "00", strings.Repeat("0", 30), strings.Repeat("0", 130), strings.Repeat("zz", 16)} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
	k, err := ParseKey(vecKey)
	if err != nil || fmt.Sprint(k) != "[key]" || fmt.Sprintf("%#v", k) != "[key]" {
		t.Fatalf("key %v shown as %q", err, fmt.Sprint(k))
	}
}

func TestBillRoundTrip(t *testing.T) {
	rows := []BillRow{
		{TradeTime: "2026-03-01T10:16:00+08:00", AppID: "wx", MchID: "1900000101", OutTradeNo: "PG1", TransactionID: "T1", TradeType: TradeMicropay, Type: BillPay, Amount: 1234, Fee: 5},
		{TradeTime: "2026-03-01T10:17:00+08:00", AppID: "wx", MchID: "1900000101", OutTradeNo: "PG1", TransactionID: "T1", TradeType: TradeMicropay, Type: BillRefund, Amount: 34, OutRefundNo: "R1", RefundID: "RF1", Fee: 0},
	}
	got, err := ParseBill(FormatBill(rows))
	if err != nil || len(got) != 2 || got[1] != rows[1] {
		t.Fatalf("ParseBill = %+v, %v", got, err)
	}
	if rows, err := ParseBill(BillHeader + "\n"); err != nil || len(rows) != 0 {
		t.Fatalf("empty bill: %v %v", rows, err)
	}
	if _, err := ParseBill(BillHeader + "\na,b\n"); err == nil {
		t.Fatal("short line accepted")
	}
}
