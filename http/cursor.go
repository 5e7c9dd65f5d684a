package http

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// cursorPrefix versions the cursor format.
const cursorPrefix = "t1:"

// encodeCursor returns the opaque cursor that continues a listing after the
// transaction with ID id (the listing is newest first: IDs below id follow).
func encodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

// decodeCursor returns the ID a cursor encodes; EINVALID naming "cursor" if
// it is not one encodeCursor made. The base64 decoder skips CR and LF, so a
// cursor is accepted only if encoding its ID gives it back exactly.
func decodeCursor(c string) (int64, error) {
	if strings.ContainsAny(c, "\r\n") {
		return 0, invalidParam("cursor", "not a cursor from a previous page")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil {
		return 0, invalidParam("cursor", "not a cursor from a previous page")
	}
	s, ok := strings.CutPrefix(string(raw), cursorPrefix)
	if !ok {
		return 0, invalidParam("cursor", "not a cursor from a previous page")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, invalidParam("cursor", "not a cursor from a previous page")
	}
	if encodeCursor(id) != c {
		return 0, invalidParam("cursor", "not a cursor from a previous page")
	}
	return id, nil
}
