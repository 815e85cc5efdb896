package outbox

import (
	"os/exec"
	"strings"
	"testing"
)

// TestKnowsNoTelegramClient fails when outbox imports telebot again: reading
// the client's errors is the bot's job (Options.Classify), so the scheduler
// stays testable with plain errors and usable with another client.
func TestKnowsNoTelegramClient(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "gopkg.in/telebot") {
			t.Errorf("outbox depends on %s", dep)
		}
	}
}
