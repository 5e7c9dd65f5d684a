package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posguard/posguard"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "posguard test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestServeTLSAndMetricsAddr: with --tls-cert/--tls-key the API answers
// over HTTPS only, and with --metrics-addr /metrics is served there without
// credentials and not on the main address (which still refuses it to a
// missing token or a wrong role first). The admin/operator token case
// without --metrics-addr is in the http route walk.
func TestServeTLSAndMetricsAddr(t *testing.T) {
	cert, key := selfSigned(t, t.TempDir())
	metricsAddr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	wd := startWorld(t, "", 5*time.Second, "--tls-cert", cert, "--tls-key", key, "--metrics-addr", metricsAddr)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	get := func(c *http.Client, url, tok string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	base := "https://" + wd.httpAdr
	if st := get(client, base+"/healthz", ""); st != 200 {
		t.Fatalf("healthz over TLS: %d", st)
	}
	if res, err := http.Get("http://" + wd.httpAdr + "/healthz"); err == nil && res.StatusCode < 400 {
		t.Fatalf("plain HTTP answered %d on the TLS port", res.StatusCode)
	}
	ops := wd.userToken("ops", posguard.RoleOperator, "")
	risk := wd.userToken("riskier", posguard.RoleRisk, "")
	// /metrics is served only on --metrics-addr when it is set.
	for _, c := range []struct {
		tok  string
		want int
	}{{"", 401}, {risk, 403}, {ops, 404}} {
		if st := get(client, base+"/metrics", c.tok); st != c.want {
			t.Fatalf("/metrics with token %.8q: %d, want %d", c.tok, st, c.want)
		}
	}
	if st := get(http.DefaultClient, "http://"+metricsAddr+"/metrics", ""); st != 200 {
		t.Fatalf("--metrics-addr without credentials: %d", st)
	}
	if st := get(client, base+"/v1/transactions", ops); st != 200 {
		t.Fatalf("API over TLS: %d", st)
	}

	// The CLI on the same database takes effect at the next request.
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Main(context.Background(), append(args, "--db", wd.db), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	list := run("token", "list", "--user", "ops")
	if strings.Contains(list, ops) || !strings.Contains(list, "ops") || !strings.Contains(list, "active") {
		t.Fatalf("token list:\n%s", list)
	}
	id := strings.Fields(strings.Split(strings.TrimSpace(list), "\n")[1])[0]
	run("token", "revoke", "--token-id", id)
	if st := get(client, base+"/v1/transactions", ops); st != 401 {
		t.Fatalf("revoked token: %d", st)
	}
	if users := run("user", "list"); !strings.Contains(users, "riskier") || !strings.Contains(users, "risk") {
		t.Fatalf("user list:\n%s", users)
	}
	run("user", "disable", "--name", "RISKIER")
	if st := get(client, base+"/v1/audit", risk); st != 401 {
		t.Fatalf("disabled user's token: %d", st)
	}
}
