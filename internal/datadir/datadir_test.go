package datadir

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPathsAreInsideTheDir(t *testing.T) {
	d := Dir(t.TempDir())
	seen := map[string]bool{}
	for _, p := range []string{d.DB(), d.MasterKey(), d.AccountingJournal(), d.ReportsJournal(),
		d.ControlSocket(), d.Outbox(), d.DemoCert(), d.DemoKey()} {
		if rel, err := filepath.Rel(string(d), p); err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("%s is not inside %s", p, d)
		}
		if seen[p] {
			t.Errorf("%s named twice", p)
		}
		seen[p] = true
	}
}

// No other package spells a data-dir file name: they ask a Dir.
func TestNoOtherPackageSpellsAFileName(t *testing.T) {
	d := Dir("")
	names := []string{d.DB(), d.MasterKey(), d.AccountingJournal(), d.ReportsJournal(),
		d.ControlSocket(), d.Outbox(), "cert.pem", "key.pem", "demo-tls"}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && (e.Name() == "datadir" || e.Name() == "testdata" || strings.HasPrefix(e.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			for _, name := range names {
				if strings.Contains(lit.Value, name) {
					t.Errorf("%s spells %q (%s): ask a datadir.Dir", path, name, lit.Value)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCheck(t *testing.T) {
	write := func(p string, n int) {
		if err := os.WriteFile(p, make([]byte, n), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		make  func(d Dir)
		fresh bool
		want  string // in the error; "" for none
	}{
		{"missing dir", func(d Dir) { os.Remove(string(d)) }, true, ""},
		{"empty dir", func(Dir) {}, true, ""},
		{"empty database alone", func(d Dir) { write(d.DB(), 0) }, true, ""},
		{"complete", func(d Dir) { write(d.DB(), 10); write(d.MasterKey(), 32); write(d.AccountingJournal(), 0) }, false, ""},
		{"key alone", func(d Dir) { write(d.MasterKey(), 32) }, false, "wifihk.db is missing"},
		{"journal alone", func(d Dir) { write(d.ReportsJournal(), 0) }, false, "master.key is missing"},
		{"database without key", func(d Dir) { write(d.DB(), 10) }, false, "master.key is missing"},
		{"empty database with key", func(d Dir) { write(d.DB(), 0); write(d.MasterKey(), 32) }, false, "wifihk.db is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Dir(t.TempDir())
			tc.make(d)
			fresh, err := d.Check()
			if fresh != tc.fresh || (err == nil) != (tc.want == "") ||
				(err != nil && (!errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tc.want))) {
				t.Fatalf("Check: %v, %v; want %v and an error saying %q", fresh, err, tc.fresh, tc.want)
			}
		})
	}
}
