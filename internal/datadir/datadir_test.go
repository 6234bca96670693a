package datadir

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
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
