package emulator_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoTesting: the emulator is meant to be embedded in the
// production binary (a browser sandbox), so neither it nor anything it
// imports may pull in the testing package.
func TestImportsNoTesting(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "testing" || strings.HasPrefix(pkg, "testing/") {
			t.Errorf("the emulator depends on %s", pkg)
		}
	}
}
