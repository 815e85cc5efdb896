package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// domainPackages hold the rules and decisions: no I/O, no logging, no
// Telegram, no database, no goroutine. Adapters (bot, store, files, watch,
// outbox, app) do the rest.
var domainPackages = []string{"charter", "resources", "moderation", "checkin", "admission", "review", "stats"}

// forbidden are the packages a domain package must not depend on, however
// indirectly.
var forbidden = []string{"log/slog", "log", "path/filepath", "os/exec", "net", "net/http", "gopkg.in/telebot.v3", "go.etcd.io/bbolt", "github.com/spf13/viper"}

// TestDomainPackagesArePure fails when a domain package depends on
// logging, the network, Telegram, bbolt or viper, when it or any package of
// ours or a third party's that it uses imports os, or when it starts a
// goroutine. (os does appear in `go list -deps`: the standard library's fmt
// and crypto import it for Printf and random numbers; formatting an error is
// not I/O, so only non-standard importers of os count.)
func TestDomainPackagesArePure(t *testing.T) {
	for _, p := range domainPackages {
		t.Run(p, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}} {{join .Imports \",\"}}", "./"+p).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				fields := strings.Fields(line)
				pkg, std := fields[0], fields[1] == "true"
				for _, f := range forbidden {
					if pkg == f {
						t.Errorf("%s depends on %s", p, f)
					}
				}
				if len(fields) < 3 {
					continue
				}
				for _, imp := range strings.Split(fields[2], ",") {
					if imp == "os" && !std {
						t.Errorf("%s: %s imports os", p, pkg)
					}
				}
			}
			files, _ := filepath.Glob(filepath.Join(p, "*.go"))
			fset := token.NewFileSet()
			for _, name := range files {
				if strings.HasSuffix(name, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(fset, name, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				ast.Inspect(f, func(n ast.Node) bool {
					if g, ok := n.(*ast.GoStmt); ok {
						t.Errorf("%s starts a goroutine", fset.Position(g.Pos()))
					}
					return true
				})
			}
		})
	}
}
