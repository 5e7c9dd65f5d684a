package seed

import (
	"strings"
	"testing"
)

const walletWorld = small + `wallet_channels:
  - name: "wx"
    kind: wechat
    url: "http://127.0.0.1:7001/wx/"
    app_id: "wx5f3c9a1e2b7d4c60"
    key: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
  - name: "ali"
    kind: alipay
    url: "http://127.0.0.1:7001/ali"
    app_id: "2021000000000001"
    key: "00112233445566778899aabbccddeeff"
payers:
  - code: "13456789"
    channel: "wx"
    balance: 1000000
    behavior: ok
  - code: "2812345678901234"
    channel: "ali"
    balance: 100
    behavior: "userpaying:2"
`

func TestParseWallet(t *testing.T) {
	src := strings.Replace(walletWorld, `    settlement_account: { bank: ICBC, number: "6222020000000000001", name: "示例便利店" }
`, `    settlement_account: { bank: ICBC, number: "6222020000000000001", name: "示例便利店" }
    wallet: { mch_id: "1900000101", notify_key: "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" }
`, 1)
	w, err := Parse([]byte(src), "world.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(w.WalletChannels) != 2 || w.WalletChannels[0].Name != "wx" || w.WalletChannels[0].URL != "http://127.0.0.1:7001/wx" ||
		w.WalletChannels[1].Position != 1 || len(w.WalletChannels[1].Key) != 16 {
		t.Fatalf("channels = %+v", w.WalletChannels)
	}
	if len(w.Wallets) != 1 || w.Wallets[0].MerchantID != "898310048990001" || w.Wallets[0].MchID != "1900000101" || len(w.Wallets[0].NotifyKey) != 32 {
		t.Fatalf("wallets = %+v", w.Wallets)
	}
	if len(w.Payers) != 2 || w.Payers[1].Behavior != "userpaying:2" {
		t.Fatalf("payers = %+v", w.Payers)
	}
	// A world without the sections has none.
	w, err = Parse([]byte(small), "world.yaml")
	if err != nil || len(w.WalletChannels)+len(w.Wallets)+len(w.Payers) != 0 {
		t.Fatalf("small: %v %+v", err, w)
	}
}

func TestParseWalletErrors(t *testing.T) {
	for _, c := range []struct{ old, new, want string }{
		{`kind: wechat`, `kind: paypal`, "wallet_channels[0].kind"},
		{`name: "ali"`, `name: "wx"`, "defined twice"},
		{`app_id: "2021000000000001"`, `app_id: "wx5f3c9a1e2b7d4c60"`, "used twice"},
		{`url: "http://127.0.0.1:7001/ali"`, `url: "http://127.0.0.1:7002/wx"`, "url path"},
		{`url: "http://127.0.0.1:7001/ali"`, `url: "ftp://x/ali"`, "http or https"},
		{`key: "00112233445566778899aabbccddeeff"`, `key: "0011"`, "hex digits"},
		{`channel: "ali"`, `channel: "nope"`, "no wallet channel"},
		{`behavior: ok`, `behavior: lucky`, "payers[0].behavior"},
		{`code: "13456789"`, `code: "13x"`, "want digits"},
	} {
		src := strings.Replace(walletWorld, c.old, c.new, 1)
		_, err := Parse([]byte(src), "world.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s → %s: error %v, want %q", c.old, c.new, err, c.want)
		}
		if err != nil && !strings.Contains(err.Error(), "world.yaml:") {
			t.Errorf("%s: error %q names no line", c.new, err)
		}
	}
	bad := strings.Replace(small, `    kind: enterprise
`, `    kind: enterprise
    wallet: { mch_id: "bad id!", notify_key: "zz" }
`, 1)
	_, err := Parse([]byte(bad), "world.yaml")
	if err == nil || !strings.Contains(err.Error(), "wallet.mch_id") || !strings.Contains(err.Error(), "wallet.notify_key") {
		t.Errorf("bad wallet: %v", err)
	}
}
