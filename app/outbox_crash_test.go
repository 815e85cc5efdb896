//go:build linux

package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// TestKill9OwedMessagesResume kills the real binary with SIGKILL while the
// store's outbox holds answers owed in a group (paced to 20 messages a
// minute, so most of them wait), in private chats and in the moderators'
// chat, right after Telegram accepted one of them (the one moment a
// duplicate is allowed: the bot has not yet forgotten the entry). After the
// restart every answer arrives; a second copy only of a message Telegram
// accepted within inFlightWindow of the kill.
func TestKill9OwedMessagesResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	const inGroup, inPrivate = 16, 10
	bin := buildBinary(t)
	api := emulator.NewT(t)
	cfg := writeBotDir(t, t.TempDir(), api.URL, botConfig{timezone: "UTC", checkins: "checkins: []"})
	out := &lockedBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			logs := out.String()
			if len(logs) > 40_000 {
				logs = "…" + logs[len(logs)-40_000:]
			}
			t.Logf("binary output:\n%s", logs)
			t.Logf("calls:\n%s", api.DumpCalls(60))
		}
	})
	p := startProc(t, bin, cfg, out)
	api.WaitCall(t, 10*time.Second, "getUpdates", nil)

	grp := emulator.Supergroup(requestGroup, "Entraide Paris")
	const helpText, urgentText, pendingText = "Ce que je fais pour le groupe", "Si une vie est en danger", "Demandes en attente"
	for i := range inGroup {
		who := frenchUser(int64(80_000+i), fmt.Sprintf("Aide%02d", i))
		api.Push(api.UserMessage(grp, &who, "/aide"))
	}
	private := make([]tele.User, inPrivate)
	for i := range private {
		private[i] = frenchUser(int64(81_000+i), fmt.Sprintf("Prive%02d", i))
		api.Push(api.UserMessage(emulator.PrivateChat(private[i]), &private[i], "/urgence"))
	}
	for _, mod := range []tele.User{mod1, mod2} {
		api.Push(api.UserMessage(emulator.Supergroup(modChat, "Modération"), &mod, "/attente"))
	}
	if !api.AwaitPending(30*time.Second, 0) {
		t.Fatalf("%d updates not confirmed", api.Pending())
	}
	// Every update is confirmed: what they owe is on disk. Kill right
	// after Telegram accepted the 6th answer in the group.
	accepted := 0
	if _, ok := api.AwaitCall(time.Minute, "sendMessage", func(c emulator.Call) bool {
		if c.OK() && c.Int("chat_id") == requestGroup && strings.Contains(c.String("text"), helpText) {
			accepted++
		}
		return accepted == 6
	}); !ok {
		t.Fatalf("the group answers did not start")
	}
	p.kill()
	killedAt := time.Now()
	if n := countMessages(api.BotMessages(requestGroup), helpText); n >= inGroup {
		t.Fatalf("every group answer was out before the kill (%d): the test kills too late", n)
	}
	t.Logf("kill -9 with %d of %d group answers sent; restarting on the same data", countMessages(api.BotMessages(requestGroup), helpText), inGroup)
	p = startProc(t, bin, cfg, out)

	deadline := time.Now().Add(90 * time.Second)
	done := func() bool {
		if countMessages(api.BotMessages(requestGroup), helpText) < inGroup || countMessages(api.BotMessages(modChat), pendingText) < 2 {
			return false
		}
		for _, who := range private {
			if countMessages(api.BotMessages(who.ID), urgentText) == 0 {
				return false
			}
		}
		return true
	}
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("owed answers lost: %d of %d in the group, %d of 2 in the moderators' chat\n%s",
				countMessages(api.BotMessages(requestGroup), helpText), inGroup, countMessages(api.BotMessages(modChat), pendingText), api.DumpChat(requestGroup))
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Duplicates: only of messages accepted just before the kill.
	window := func(chat int64, fragment string) int {
		n := 0
		for _, c := range api.Calls("sendMessage") {
			if c.OK() && c.Int("chat_id") == chat && strings.Contains(c.String("text"), fragment) &&
				!c.At.After(killedAt) && killedAt.Sub(c.At) < inFlightWindow {
				n++
			}
		}
		return n
	}
	check := func(chat int64, fragment string, want int) {
		got := countMessages(api.BotMessages(chat), fragment)
		if got > want {
			t.Logf("chat %d: %d copies of %q for %d owed (a duplicate of a message accepted before the kill)", chat, got, fragment, want)
		}
		if extra := got - want; extra > 0 && extra > window(chat, fragment) {
			t.Errorf("chat %d: %d copies of %q, want %d (at most one more per message accepted within %v of the kill)", chat, got, fragment, want, inFlightWindow)
		}
	}
	check(requestGroup, helpText, inGroup)
	check(modChat, pendingText, 2)
	for _, who := range private {
		check(who.ID, urgentText, 1)
	}
	if err := p.stop(t); err != nil {
		t.Errorf("stop: %v", err)
	}
}
