package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/posguard/posguard"
)

// table is a table as data: its columns and, in their order, where each
// column's value lives in a T. From it come a SELECT's column list, the
// scan of a row, an INSERT and a SET list; a store writes only the SQL that
// differs (joins, aggregates, guarded updates). A field is a pointer into
// the T: a *time.Time is a time column in the dialect's encoding, a named
// string or integer type is written as a plain string or int64, a column
// kept in another form is a codec (asJSON, asText, asFlag) and one that
// holds NULL for no time a nullT.
type table[T any] struct {
	name, cols string         // the table and its columns, "a, b, c"
	auto       string         // the column the database fills in on insert (RETURNING it), "" for none
	fields     func(*T) []any // the row's fields, in cols' order
	fix        func(*T)       // tidies a row just read (nil: nothing to do)
	insert     string         // INSERT INTO name (every column but auto) VALUES (…)
}

// newTable returns table name of columns cols (as in a SELECT); it panics
// when cols and fields do not pair up or auto is not the first column.
func newTable[T any](name, auto, cols string, fields func(*T) []any) *table[T] {
	names := strings.Split(cols, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	if n := len(fields(new(T))); n != len(names) || auto != "" && names[0] != auto {
		panic(fmt.Sprintf("sqlstore: table %s: %d columns, %d fields, generated column %q not first", name, len(names), n, auto))
	}
	t := &table[T]{name: name, cols: strings.Join(names, ", "), auto: auto, fields: fields}
	ins := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == auto })
	t.insert = `INSERT INTO ` + name + ` (` + strings.Join(ins, ", ") + `) VALUES ` + values(1, len(ins))
	return t
}

// scan reads one row selected with t's columns.
func (t *table[T]) scan(r Row) (*T, error) {
	v := new(T)
	dest := t.fields(v)
	for i, d := range dest {
		if p, ok := d.(*time.Time); ok {
			dest[i] = TimeCol(p)
		}
	}
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	if t.fix != nil {
		t.fix(v)
	}
	return v, nil
}

// get returns the row of t matching where (" WHERE …" and what follows);
// notFound's error when there is none.
func (t *table[T]) get(ctx context.Context, q Reader, op string, notFound func() error, where string, args ...any) (*T, error) {
	return queryOne(ctx, q, op, notFound, t.scan, `SELECT `+t.cols+` FROM `+t.name+where, args...)
}

// list returns the rows of t matching where (" WHERE …", order, limit).
func (t *table[T]) list(ctx context.Context, q Reader, op, where string, args ...any) ([]*T, error) {
	return queryAll(ctx, q, op, t.scan, `SELECT `+t.cols+` FROM `+t.name+where, args...)
}

// page returns the rows of t meeting cond (Args.Eq's " AND …") in order,
// at most pageLimit(limit, def, max).
func (t *table[T]) page(ctx context.Context, s *Store, op string, a *Args, cond, order string, limit, def, max int) ([]*T, error) {
	return t.list(ctx, s.DB, op, ` WHERE 1 = 1`+cond+` ORDER BY `+order+` LIMIT `+a.Add(pageLimit(limit, def, max)), a.List...)
}

// values returns v's values for t's INSERT (every column but auto).
func (t *table[T]) values(s *Store, v *T) []any {
	_, args := t.set(s, v, t.auto)
	return args
}

// add inserts v through w (a *Tx, or s.DB for a write of its own), then
// tail (ON CONFLICT …), and sets t's auto column of v from the row the
// database returned; errors are mapped for "insert into" t's name
// (ErrNoRows, wrapped, when tail made the database insert nothing).
func (t *table[T]) add(ctx context.Context, w writer, s *Store, v *T, tail string) error {
	q, args, op := t.insert+tail, t.values(s, v), "insert into "+t.name
	if t.auto == "" {
		_, err := w.Exec(ctx, op, q, args...)
		return err
	}
	return s.DB.Err(w.WriteRow(ctx, q+` RETURNING `+t.auto, args...).Scan(t.fields(v)[0]), op)
}

// writer is where add writes: a DB or a Tx.
type writer interface {
	Exec(ctx context.Context, op, query string, args ...any) (int64, error)
	WriteRow(ctx context.Context, query string, args ...any) Row
}

// arg returns the query argument of field f of a table.
func (s *Store) arg(f any) any {
	switch f := f.(type) {
	case *time.Time:
		return s.T(*f)
	case codec:
		return f.enc()
	case nullTime:
		return s.NullT(*f.t)
	}
	return plain(reflect.ValueOf(f).Elem())
}

// plain returns v as a string, int64 or, for other kinds, as it is.
func plain(v reflect.Value) any {
	switch {
	case v.Kind() == reflect.String:
		return v.String()
	case v.CanInt():
		return v.Int()
	}
	return v.Interface()
}

// codec is the field of a column kept in its own form: enc writes it, dec
// reads back what the driver scanned.
type codec struct {
	enc func() any
	dec func(src any) error
}

// Scan implements sql.Scanner.
func (c codec) Scan(src any) error { return c.dec(src) }

// textCodec is the codec of a text column that enc writes and dec reads.
func textCodec(enc func() string, dec func(string) error) codec {
	return codec{enc: func() any { return enc() }, dec: func(src any) error {
		switch v := src.(type) {
		case string:
			return dec(v)
		case []byte:
			return dec(string(v))
		case nil:
			return dec("")
		}
		return fmt.Errorf("text column: unexpected %T", src)
	}}
}

// asFlag is the field of an integer column holding p as 0 or 1.
func asFlag(p *bool) codec {
	return codec{enc: func() any { return map[bool]int64{true: 1}[*p] }, dec: func(src any) error {
		n, ok := src.(int64)
		*p = n != 0
		if !ok {
			return fmt.Errorf("flag column: unexpected %T", src)
		}
		return nil
	}}
}

// asJSON is the field of a column holding p as JSON text ("" reads as
// the zero value); with empty set, null, [] and {} are written as *empty.
func asJSON(p any, empty *string) codec {
	return textCodec(
		func() string {
			b, _ := json.Marshal(p) // the stored types always encode
			if s := string(b); empty == nil || s != "null" && s != "[]" && s != "{}" {
				return s
			}
			return *empty
		}, func(s string) error {
			if s == "" {
				return nil
			}
			if err := json.Unmarshal([]byte(s), p); err != nil {
				return posguard.WrapError(posguard.EINTERNAL, err, "decode %T", p)
			}
			return nil
		})
}

// noneText, noneList and noneObject are the empty values of asJSON's columns.
var noneText, noneList, noneObject = "", "[]", "{}"

// set returns the SET list "a = ?, b = ?" of every column of t but except,
// and v's values for it.
func (t *table[T]) set(s *Store, v *T, except ...string) (string, []any) {
	var cols []string
	var args []any
	for i, c := range strings.Split(t.cols, ", ") {
		if !slices.Contains(except, c) {
			cols, args = append(cols, c+" = ?"), append(args, s.arg(t.fields(v)[i]))
		}
	}
	return strings.Join(cols, ", "), args
}

// nullTime is the field of a time column that holds NULL, not the
// dialect's zero time, when the time is unset (Store.NullT).
type nullTime struct{ *TimeScanner }

// nullT returns the nullTime field of t.
func nullT(t *time.Time) nullTime { return nullTime{TimeCol(t)} }

// asText is the field of a text column holding the bytes p.
func asText(p *[]byte) codec {
	return textCodec(func() string { return string(*p) }, func(s string) error { *p = []byte(s); return nil })
}

// val is scan for a list of values, not pointers.
func (t *table[T]) val(r Row) (T, error) {
	v, err := t.scan(r)
	if err != nil {
		return *new(T), err
	}
	return *v, nil
}

// with returns t with the columns cols more, read into more's fields.
func (t *table[T]) with(cols string, more func(*T) []any) *table[T] {
	return newTable(t.name, t.auto, t.cols+", "+cols, func(v *T) []any { return append(t.fields(v), more(v)...) })
}

// TimeCol returns a scan destination for a time column in either
// encoding: Unix nanoseconds (0 is the zero time), a native time, or NULL
// (the zero time). The time is set in UTC.
func TimeCol(t *time.Time) *TimeScanner { return &TimeScanner{t: t} }

// TimeScanner is the sql.Scanner of TimeCol.
type TimeScanner struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s *TimeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case int64: // Unix nanoseconds; 0 is the zero time
		*s.t = time.Time{}
		if v != 0 {
			*s.t = time.Unix(0, v).UTC()
		}
	case time.Time:
		*s.t = v.UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// Multi-row statements: a set of rows is written with one INSERT … VALUES
// (…), (…) per chunk instead of one statement per row (on PostgreSQL one
// round trip instead of one per row; on SQLite one parse). The chunks are
// maxRows rows, then the remainder split into powers of two, so a handful
// of statement texts serve every count and the drivers' statement caches
// keep them.

// chunkSizes returns the row counts n rows are written in: as many of max
// as fit, then the powers of two of the remainder, largest first.
func chunkSizes(n, max int) []int {
	var out []int
	for ; n >= max; n -= max {
		out = append(out, max)
	}
	for b := max; b > 0; b >>= 1 {
		if n&b != 0 {
			out = append(out, b)
		}
	}
	return out
}

var valuesCache sync.Map // [2]int{rows, cols} → "(?, ?), (?, ?)"

// values returns the VALUES list of rows rows of cols placeholders each.
func values(rows, cols int) string {
	k := [2]int{rows, cols}
	if v, ok := valuesCache.Load(k); ok {
		return v.(string)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	v := strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
	valuesCache.Store(k, v)
	return v
}

// insertRows writes rows of cols arguments each, args holding them in
// order, with one statement head + VALUES list + tail per chunk of at most
// max rows.
func insertRows(ctx context.Context, tx *Tx, op, head, tail string, cols, max int, args []any) error {
	for _, k := range chunkSizes(len(args)/cols, max) {
		if _, err := tx.Exec(ctx, op, head+values(k, cols)+tail, args[:k*cols]...); err != nil {
			return err
		}
		args = args[k*cols:]
	}
	return nil
}

// setExcluded returns the SET list of an upsert that takes every column of
// cols (a column list as in a SELECT) but except from the row proposed for
// insertion: "a = excluded.a, b = excluded.b".
func setExcluded(cols string, except ...string) string {
	var set []string
	for _, c := range strings.Split(cols, ",") {
		if c = strings.TrimSpace(c); !slices.Contains(except, c) {
			set = append(set, c+" = excluded."+c)
		}
	}
	return strings.Join(set, ", ")
}
