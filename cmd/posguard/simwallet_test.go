package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posguard/posguard/wallet"
)

const simwalletWorld = `
wallet_channels:
  - name: "wx"
    kind: wechat
    url: "http://127.0.0.1:7001/wx"
    app_id: "wx5f3c9a1e2b7d4c60"
    key: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
merchants:
  - id: "898310048990001"
    wallet:
      mch_id: "1900000101"
payers:
  - code: "13456789"
    channel: "wx"
    balance: 1000000
`

// TestSimwalletCommand runs the subcommand on loopback and pays through it.
func TestSimwalletCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.yaml")
	if err := os.WriteFile(path, []byte(simwalletWorld), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	c := &SimwalletCommand{Stdout: &out, Stderr: &errb, Ready: make(chan struct{})}
	if err := c.ParseFlags([]string{"--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--world", path, "--faults", "latency=1ms"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	<-c.Ready
	addr, admin := c.Addrs()
	key, _ := wallet.ParseKey("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	cl := wallet.NewClient(wallet.Channel{Name: "wx", Kind: wallet.KindWeChat, URL: "http://" + addr + "/wx", AppID: "wx5f3c9a1e2b7d4c60", Key: key})
	a, err := cl.Micropay(ctx, wallet.MicropayRequest{MchID: "1900000101", OutTradeNo: "PG1", AuthCode: "134567890123456789", Amount: 1234, Subject: "示例便利店"})
	if err != nil || !a.OK() {
		t.Fatalf("micropay: %+v %v", a, err)
	}
	resp, err := http.Get("http://" + admin + "/accounts")
	if err != nil {
		t.Fatal(err)
	}
	var accts []struct {
		Balance int64 `json:"balance"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&accts)
	resp.Body.Close()
	if len(accts) != 1 || accts[0].Balance != 1000000-1234 {
		t.Fatalf("accounts: %+v", accts)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errb.String(), "134567890123456789") {
		t.Fatal("full payment code in the log")
	}
}
