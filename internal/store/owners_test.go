package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Every bucket has one owning package, named in its constant's comment in
// migrate.go, and no other package's code spells the bucket.
func TestEachBucketHasOneOwner(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "migrate.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{} // constant → package dir
	names := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			lit, ok := v.Values[0].(*ast.BasicLit)
			if !ok || v.Comment == nil {
				continue
			}
			name, _ := strconv.Unquote(lit.Value)
			pkg, _, _ := strings.Cut(v.Comment.Text(), ":")
			owner[v.Names[0].Name] = strings.TrimSpace(pkg)
			names[name] = true
		}
	}
	for _, b := range Buckets() {
		if !names[b] {
			t.Errorf("bucket %q has no constant with its owner in migrate.go", b)
		}
	}
	root := filepath.Join("..", "..")
	err = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		dir = filepath.ToSlash(dir)
		if dir == "internal/store" {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "store" {
				if pkg, ok := owner[sel.Sel.Name]; ok && pkg != dir {
					t.Errorf("%s uses store.%s, which %s owns: call %s's methods", path, sel.Sel.Name, pkg, pkg)
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
