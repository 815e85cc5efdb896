package review

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStaysPure fails when review starts depending on the outside world:
// its rules take the time and the facts as arguments and return decisions.
func TestStaysPure(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		switch dep {
		case "os", "log/slog", "gopkg.in/telebot.v3", "go.etcd.io/bbolt":
			t.Errorf("review depends on %s", dep)
		}
	}
}
