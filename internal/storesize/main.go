// Command storesize counts the store code of a tree that serves the tables
// and features of an older revision (docs/store.md, "Fourth pass"):
//
//	go run ./internal/storesize -old OLDROOT [-new .] [-core f1.go,…] [-v]
//
// Roots: every exported function and method declared in OLDROOT's store
// packages (sqlite, postgres, internal/sqlstore, ledger/ledgersql). In
// NEWROOT's store packages (sqlstore, sqlite, postgres) a top-level
// declaration counts as serving the old tables and features when its name is
// a root or when a counted declaration names it (transitively); the core
// files listed count whole. Each declaration owns its lines from the end of
// the previous declaration (its doc comment and blank lines) to its end; a
// file's package clause and imports count when anything of the file counts.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type decl struct {
	file, pkg, name string
	from, to        int // lines, 1-based inclusive
	refs            map[string]bool
}

func names(d ast.Decl) []string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		return []string{d.Name.Name}
	case *ast.GenDecl:
		var out []string
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				out = append(out, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					out = append(out, n.Name)
				}
			}
		}
		return out
	}
	return nil
}

func goFiles(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	var out []string
	for _, f := range m {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

func main() {
	oldRoot := flag.String("old", "", "old tree")
	newRoot := flag.String("new", ".", "new tree")
	core := flag.String("core", "sqlstore/db.go,sqlstore/sqldb.go,sqlstore/table.go,sqlstore/dialect.go,sqlstore/filter.go,"+
		"sqlstore/store.go,sqlstore/doc.go,sqlstore/migration.go", "core files (relative to -new), counted whole")
	verbose := flag.Bool("v", false, "list declarations")
	flag.Parse()
	roots := map[string]bool{}
	for _, d := range []string{"sqlite", "postgres", "internal/sqlstore", "ledger/ledgersql"} {
		for _, f := range goFiles(filepath.Join(*oldRoot, d)) {
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				panic(err)
			}
			for _, dd := range af.Decls {
				if fd, ok := dd.(*ast.FuncDecl); ok && fd.Name.IsExported() {
					roots[fd.Name.Name] = true
				}
			}
		}
	}
	coreSet := map[string]bool{}
	for _, c := range strings.Split(*core, ",") {
		if c != "" {
			coreSet[c] = true
		}
	}
	var decls []*decl
	fileLines := map[string][]string{}
	headEnd := map[string]int{}
	for _, d := range []string{"sqlstore", "sqlite", "postgres"} {
		for _, f := range goFiles(filepath.Join(*newRoot, d)) {
			rel, _ := filepath.Rel(*newRoot, f)
			src, _ := os.ReadFile(f)
			fileLines[rel] = strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
			fs := token.NewFileSet()
			af, err := parser.ParseFile(fs, f, src, parser.ParseComments)
			if err != nil {
				panic(err)
			}
			prev := fs.Position(af.Name.End()).Line
			if len(af.Imports) > 0 {
				for _, dd := range af.Decls {
					if g, ok := dd.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
						prev = fs.Position(g.End()).Line
					}
				}
			}
			headEnd[rel] = prev
			for _, dd := range af.Decls {
				if g, ok := dd.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
					continue
				}
				end := fs.Position(dd.End()).Line
				x := &decl{file: rel, pkg: d, name: strings.Join(names(dd), ","), from: prev + 1, to: end, refs: map[string]bool{}}
				ast.Inspect(dd, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok && id.Name != "_" {
						x.refs[id.Name] = true
					}
					return true
				})
				if fd, ok := dd.(*ast.FuncDecl); ok {
					delete(x.refs, fd.Name.Name)
				}
				decls = append(decls, x)
				prev = end
			}
		}
	}
	byName := map[string][]*decl{}
	for _, d := range decls {
		for _, n := range strings.Split(d.name, ",") {
			byName[n] = append(byName[n], d)
		}
	}
	in := map[*decl]bool{}
	var work []*decl
	for _, d := range decls {
		for _, n := range strings.Split(d.name, ",") {
			if roots[n] {
				in[d] = true
				work = append(work, d)
				break
			}
		}
	}
	for len(work) > 0 {
		d := work[len(work)-1]
		work = work[:len(work)-1]
		for r := range d.refs {
			for _, e := range byName[r] {
				if !in[e] && !coreSet[e.file] {
					in[e] = true
					work = append(work, e)
				}
			}
		}
	}
	type tally struct{ lines, code, allLines, allCode int }
	per := map[string]*tally{}
	code := func(l string) bool {
		t := strings.TrimSpace(l)
		return t != "" && !strings.HasPrefix(t, "//")
	}
	counted := map[string]bool{}
	for _, d := range decls {
		if in[d] || coreSet[d.file] {
			counted[d.file] = true
		}
	}
	for f, ls := range fileLines {
		pkg := strings.Split(f, "/")[0]
		if per[pkg] == nil {
			per[pkg] = &tally{}
		}
		t := per[pkg]
		own := make([]bool, len(ls)+2)
		if counted[f] {
			for i := 1; i <= headEnd[f]; i++ {
				own[i] = true
			}
		}
		for _, d := range decls {
			if d.file == f && (in[d] || coreSet[f]) {
				for i := d.from; i <= d.to; i++ {
					own[i] = true
				}
			}
		}
		if coreSet[f] {
			for i := range own {
				own[i] = true
			}
		}
		for i, l := range ls {
			t.allLines++
			if code(l) {
				t.allCode++
			}
			if own[i+1] {
				t.lines++
				if code(l) {
					t.code++
				}
			}
		}
	}
	if *verbose {
		for _, d := range decls {
			mark := "new "
			if coreSet[d.file] {
				mark = "core"
			} else if in[d] {
				mark = "old "
			}
			fmt.Printf("%s %s:%d-%d %s\n", mark, d.file, d.from, d.to, d.name)
		}
	}
	var tl, tc, al, ac int
	for _, p := range []string{"sqlstore", "sqlite", "postgres"} {
		t := per[p]
		fmt.Printf("%-9s like-for-like %5d lines / %5d code   (all %5d / %5d)\n", p, t.lines, t.code, t.allLines, t.allCode)
		tl, tc, al, ac = tl+t.lines, tc+t.code, al+t.allLines, ac+t.allCode
	}
	fmt.Printf("%-9s like-for-like %5d lines / %5d code   (all %5d / %5d)\n", "total", tl, tc, al, ac)
}
