package wallet

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"slices"
	"strconv"
)

// writeRequest writes req to bw as (*http.Request).Write writes it, byte for
// byte, when req is of the plain kind the channel client sends: a method of
// capital letters (not CONNECT), a host and a path of plain ASCII, no query,
// a body of known length, header names that are tokens and values without
// line breaks or surrounding blanks, no User-Agent of its own, no trailers,
// no Close and no client trace. It does not format through fmt nor unwrap
// the body by reflection, as (*http.Request).Write does for any request.
// For any other request it writes nothing and reports false: the caller
// writes it with (*http.Request).Write (FuzzWriteRequestAsNetHTTP compares
// the two).
func writeRequest(bw *bufio.Writer, req *http.Request) (bool, error) {
	if !plainRequest(req) {
		return false, nil
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	var keysBuf [8]string
	keys := keysBuf[:0]
	for k := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	bw.WriteString(req.Method)
	bw.WriteByte(' ')
	bw.WriteString(req.URL.Path)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: ")
	var nb [20]byte
	bw.Write(strconv.AppendInt(nb[:0], req.ContentLength, 10))
	bw.WriteString("\r\n")
	for _, k := range keys {
		for _, v := range req.Header[k] {
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	bw.WriteString("\r\n")
	// The body as net/http's transfer writer sends it: exactly
	// ContentLength bytes, and an error if the body has fewer or more.
	n, err := io.CopyN(bw, req.Body, req.ContentLength)
	if err == io.EOF {
		err = nil
	}
	if err == nil {
		var extra int64
		extra, err = io.Copy(io.Discard, req.Body)
		n += extra
	}
	if cerr := req.Body.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != req.ContentLength {
		err = fmt.Errorf("http: ContentLength=%d with Body length %d", req.ContentLength, n)
	}
	return true, err
}

// plainRequest reports whether writeRequest writes req.
func plainRequest(req *http.Request) bool {
	u := req.URL
	if u == nil || req.Close || req.Trailer != nil || len(req.TransferEncoding) > 0 ||
		req.Body == nil || req.Body == http.NoBody || req.ContentLength <= 0 ||
		u.Opaque != "" || u.RawPath != "" || u.RawQuery != "" || u.ForceQuery || len(req.Header) > 8 {
		return false
	}
	if req.Method == "" || req.Method == http.MethodConnect || !allBytes(req.Method, isUpper) {
		return false
	}
	host := req.Host
	if host == "" {
		host = u.Host
	}
	if host == "" || !allBytes(host, isHostByte) || u.Path == "" || u.Path[0] != '/' || !allBytes(u.Path, isPathByte) {
		return false
	}
	if _, ok := req.Header["User-Agent"]; ok {
		return false
	}
	for k, vs := range req.Header {
		if k == "" || !allBytes(k, isTokenByte) {
			return false
		}
		for _, v := range vs {
			if !plainValue(v) {
				return false
			}
		}
	}
	return httptrace.ContextClientTrace(req.Context()) == nil
}

// plainValue reports whether net/http writes header value v as it is: no
// line break, no blank or tab at either end.
func plainValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] == '\r' || v[i] == '\n' {
			return false
		}
	}
	return v == "" || (v[0] != ' ' && v[0] != '\t' && v[len(v)-1] != ' ' && v[len(v)-1] != '\t')
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isHostByte: a host name, an IPv4 or bracketed IPv6 address, a port.
func isHostByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']'
}

// isPathByte: the bytes url.URL.EscapedPath leaves as they are in a path.
func isPathByte(c byte) bool {
	return isAlnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~'
}

// isTokenByte: the bytes of a header name (RFC 9110 token).
func isTokenByte(c byte) bool {
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return isAlnum(c)
}
