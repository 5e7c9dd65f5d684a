package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// testdata/captured-sale-ic.hex is a contactless IC sale captured from a
// terminal in the field and published in a debugging write-up: TPDU
// 6000060000, header 603100311003, field 59 with vendor text, field 55 with
// the card's cryptogram. Real frames carry what our own encoder never
// emits, which is why they are in the tests.
func TestDecodeCapturedFrame(t *testing.T) {
	raw, err := os.ReadFile("testdata/captured-sale-ic.hex")
	if err != nil {
		t.Fatal(err)
	}
	hex := strings.TrimSpace(string(raw))
	for _, in := range []string{hex, hex[4:]} { // with and without the length prefix
		var out, errb bytes.Buffer
		if code := Main(context.Background(), []string{"decode", "--json", in}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var v struct {
			TPDU   string            `json:"tpdu"`
			Header string            `json:"header"`
			MTI    string            `json:"mti"`
			Fields map[string]string `json:"fields"`
		}
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, out.String())
		}
		want := map[string]string{"2": "622424******0113", "3": "000000", "4": "000000000001", "11": "000403",
			"14": "2806", "22": "071", "25": "00", "41": "10000019", "42": "850100082410002", "49": "156",
			"53": "2600000000000000", "60": "22000024000600"}
		for k, w := range want {
			if v.Fields[k] != w {
				t.Errorf("field %s = %q, want %q", k, v.Fields[k], w)
			}
		}
		if v.TPDU != "6000060000" || v.Header != "603100311003" || v.MTI != "0200" {
			t.Errorf("tpdu %s header %s mti %s", v.TPDU, v.Header, v.MTI)
		}
		if strings.Contains(out.String(), "6224242900000113") {
			t.Fatal("decode printed the full PAN")
		}
		if f52, ok := v.Fields["52"]; ok && f52 != "***" {
			t.Fatalf("PIN block shown: %q", f52)
		}
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"decode", hex}, &out, &errb); code != 0 || !strings.Contains(out.String(), "622424******0113") {
		t.Fatalf("text listing: exit %d\n%s%s", code, out.String(), errb.String())
	}
}

func TestDecodeBadInput(t *testing.T) {
	for _, in := range []string{"zz", "00", "0005600102"} {
		var out, errb bytes.Buffer
		if code := Main(context.Background(), []string{"decode", in}, &out, &errb); code == 0 {
			t.Errorf("decode %q: exit 0, want an error", in)
		} else if errb.Len() == 0 || strings.Count(errb.String(), "\n") > 1 {
			t.Errorf("decode %q: want one line on stderr, got %q", in, errb.String())
		}
	}
}

func TestHelpAndUnknownCommand(t *testing.T) {
	for name := range commands {
		var out, errb bytes.Buffer
		if code := Main(context.Background(), []string{name, "--help"}, &out, &errb); code != 0 {
			t.Errorf("%s --help: exit %d", name, code)
		}
		if !strings.Contains(out.String(), "usage: posguard "+name) || errb.Len() != 0 {
			t.Errorf("%s --help: stdout %q, stderr %q; want the usage on stdout", name, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"nosuch"}, &out, &errb); code != 2 {
		t.Fatalf("unknown command: exit %d", code)
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	cfg := dir + "/posguard.yaml"
	if err := os.WriteFile(cfg, []byte("terminal-addr: 127.0.0.1:7001\nhttp-addr: 127.0.0.1:7002\nnetwork: iso8583://10.0.0.1:9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("POSGUARD_HTTP_ADDR", "127.0.0.1:7102")
	c := &ServeCommand{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	if err := c.ParseFlags([]string{"--config", cfg, "--network", "iso8583://10.0.0.2:9"}); err != nil {
		t.Fatal(err)
	}
	if c.TerminalAddr != "127.0.0.1:7001" || c.HTTPAddr != "127.0.0.1:7102" || c.Network != "iso8583://10.0.0.2:9" {
		t.Fatalf("file < env < flag broken: terminal %s http %s network %s", c.TerminalAddr, c.HTTPAddr, c.Network)
	}
	if err := os.WriteFile(cfg, []byte("no-such-setting: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (&ServeCommand{Stderr: &bytes.Buffer{}}).ParseFlags([]string{"--config", cfg}); err == nil {
		t.Fatal("unknown config setting accepted")
	}
}
