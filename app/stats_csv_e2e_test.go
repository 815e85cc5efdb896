package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// TestStatsCSVInTheModeratorsChat: /stats csv sends, while the bot runs,
// the file `entrepairs stats --csv` prints once it is stopped, byte for
// byte; members get no file.
func TestStatsCSVInTheModeratorsChat(t *testing.T) {
	h := newHarness(t)
	weekOfActivity(t, h)

	member := frenchUser(930, "Lou")
	h.say(emulator.PrivateChat(member), member, "/stats csv")
	h.botMessage(member.ID, "réservée aux modérateur·ices")

	h.say(modChatRoom(), mod1, "/stats csv")
	doc := h.api.WaitBotMessage(t, waitFor, modChat, func(m emulator.Message) bool { return m.Kind == "document" })
	if !strings.HasPrefix(doc.FileName, "entrepairs-stats-2026-") || !strings.HasSuffix(doc.FileName, ".csv") {
		t.Errorf("file named %q", doc.FileName)
	}
	if !strings.Contains(doc.Plain, "2 semaine(s)") {
		t.Errorf("caption %q", doc.Plain)
	}
	for _, m := range h.api.BotMessages(member.ID) {
		if m.Kind == "document" {
			t.Error("a member got the CSV")
		}
	}

	h.stop()
	var out, errOut bytes.Buffer
	if code := cli(t, []string{"stats", "--config", h.cfgPath, "--csv"}, nil, &out, &errOut); code != exitOK {
		t.Fatalf("stats --csv: exit %d: %s", code, errOut.String())
	}
	if string(doc.FileData) != out.String() {
		t.Errorf("/stats csv sent\n%s\nentrepairs stats --csv prints\n%s", doc.FileData, out.String())
	}
}
