package seed

import (
	"fmt"
	"strings"

	posguard "github.com/posguard/posguard"
)

// maxErrors bounds how many problems one Parse reports.
const maxErrors = 50

// ParseError is one problem found in a world file: where it is and what is
// wrong. It never holds a full card number or a PIN.
type ParseError struct {
	File string // the name given to Parse
	Line int    // 1-based; 0 when the problem is not tied to a line
	Path string // the field, e.g. "terminals[2].tmk" (indexes from 0)
	Msg  string
}

// Error formats the problem as "file:line: path: message".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the problem as a posguard EINVALID error, so that
// posguard.ErrorCode reports EINVALID for a bad world file.
func (e *ParseError) Unwrap() error {
	return &posguard.Error{Code: posguard.EINVALID, Message: e.Error()}
}

// ParseErrors lists every problem found in a world file, in line order.
// Parse returns it (as an error) when the file is rejected.
type ParseErrors []*ParseError

// Error returns one problem per line.
func (l ParseErrors) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.As finds a *ParseError.
func (l ParseErrors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
