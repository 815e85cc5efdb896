package app

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The command line (package main, at the repository's root) is tested
// where it needs a running bot by running the built binary beside the rig:
// `entrepairs health` against the rig's health endpoint, `entrepairs
// stats` on the rig's data file. The crash and measure tests run it too.

// Exit codes of the binary (see main.go).
const (
	exitOK      = 0
	exitFailure = 1
	exitInvalid = 2
)

var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// buildBinary builds the program (the repository's root package) once per
// test process and returns its path.
func buildBinary(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary")
	}
	binary.once.Do(func() {
		if binary.dir, binary.err = os.MkdirTemp("", "entrepairs-test-"); binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "entrepairs")
		cmd := exec.Command(goTool, "build", "-o", binary.path, ".")
		cmd.Dir = ".."
		binary.out, binary.err = cmd.CombinedOutput()
	})
	if binary.err != nil {
		t.Fatalf("go build: %v\n%s", binary.err, binary.out)
	}
	return binary.path
}

// cli runs the binary with args, in this process's environment, and
// returns its exit code.
func cli(t testing.TB, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	t.Helper()
	cmd := exec.Command(buildBinary(t), args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exit):
		return exit.ExitCode()
	default:
		t.Fatalf("run %v: %v", args, err)
		return -1
	}
}
