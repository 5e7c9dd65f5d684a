package sqlstore

import (
	"reflect"
	"testing"
	"time"
)

// row is one row of a result as the drivers hand it to Scan.
type row []any

// Scan copies the row into dest through the destinations' Scan methods or
// plain assignment, as database/sql does for the types a table spec uses.
func (r row) Scan(dest ...any) error {
	for i, d := range dest {
		if sc, ok := d.(interface{ Scan(any) error }); ok {
			if err := sc.Scan(r[i]); err != nil {
				return err
			}
			continue
		}
		reflect.ValueOf(d).Elem().Set(reflect.ValueOf(r[i]).Convert(reflect.TypeOf(d).Elem()))
	}
	return nil
}

type kind string

type specRow struct {
	ID      int64
	Kind    kind
	Tags    []string
	Body    []byte
	Flag    bool
	At, Off time.Time
}

var specTable = newTable("spec", "id", `id, kind, tags,
	body, flag, at, off`, func(v *specRow) []any {
	return []any{&v.ID, &v.Kind, asJSON(&v.Tags, &noneList), asText(&v.Body), asFlag(&v.Flag), &v.At, nullT(&v.Off)}
})

func TestTableSQL(t *testing.T) {
	if want := "INSERT INTO spec (kind, tags, body, flag, at, off) VALUES (?, ?, ?, ?, ?, ?)"; specTable.insert != want {
		t.Errorf("insert = %q, want %q", specTable.insert, want)
	}
	s := New(NewDB(&Dialect{TimeArg: NanosTime}, nil, nil), nil)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	v := &specRow{ID: 7, Kind: "k", Body: []byte("b"), Flag: true, At: at}
	set, args := specTable.set(s, v, "id", "at")
	if want := "kind = ?, tags = ?, body = ?, flag = ?, off = ?"; set != want {
		t.Errorf("set = %q, want %q", set, want)
	}
	// A named string is passed plain, nil tags as [], the flag as 1, the
	// unset time that is NULL when unset as nil.
	if want := []any{"k", "[]", "b", int64(1), nil}; !reflect.DeepEqual(args, want) {
		t.Errorf("set args = %#v, want %#v", args, want)
	}
	if got := specTable.values(s, v); !reflect.DeepEqual(got[4], at.UnixNano()) || len(got) != 6 {
		t.Errorf("values = %#v, want 6 values, the time as nanoseconds", got)
	}
	if with := specTable.with("extra", func(v *specRow) []any { return []any{&v.ID} }); with.cols != specTable.cols+", extra" {
		t.Errorf("with: cols = %q", with.cols)
	}
}

func TestTableScan(t *testing.T) {
	got, err := specTable.scan(row{int64(3), "k", `["a"]`, []byte("b"), int64(0), at(9), nil})
	if err != nil {
		t.Fatal(err)
	}
	want := &specRow{ID: 3, Kind: "k", Tags: []string{"a"}, Body: []byte("b"), At: time.Unix(0, 9).UTC()}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scan = %+v, want %+v", got, want)
	}
	if _, err := specTable.scan(row{int64(3), "k", `[`, "", int64(1), at(0), nil}); err == nil {
		t.Error("scan of bad JSON: no error")
	}
	if _, err := specTable.scan(row{int64(3), "k", ``, "", "yes", at(0), nil}); err == nil {
		t.Error("scan of a text flag: no error")
	}
}

// at is a time column's value as SQLite returns it.
func at(n int64) any { return n }

func TestTableSpecMustPair(t *testing.T) {
	for name, f := range map[string]func(){
		"count":     func() { newTable("x", "", "a, b", func(v *specRow) []any { return []any{&v.ID} }) },
		"auto last": func() { newTable("x", "b", "a, b", func(v *specRow) []any { return []any{&v.ID, &v.Kind} }) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: newTable did not panic", name)
				}
			}()
			f()
		}()
	}
}
