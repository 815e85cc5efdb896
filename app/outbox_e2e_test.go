package app

import (
	"testing"
)

// TestModeratorCommandsNeedAListedModerator: someone who is in the
// moderators' chat without being listed under moderation.moderators (a
// guest, a former moderator not yet removed) gets neither the figures nor
// the waiting list there, only a private word; a listed moderator still
// gets both.
func TestModeratorCommandsNeedAListedModerator(t *testing.T) {
	h := newHarness(t)
	guest := frenchUser(930, "Invitée")
	h.say(modChatRoom(), guest, "/stats")
	h.say(modChatRoom(), guest, "/attente")
	h.botMessage(guest.ID, "réservée aux modérateur·ices")

	// The positive sign: the moderators' chat answers in order, so once
	// a listed moderator's answer is there, the guest's would be too.
	h.say(modChatRoom(), mod1, "/attente")
	h.botMessage(modChat, "Demandes en attente")
	h.say(modChatRoom(), mod1, "/stats")
	h.botMessage(modChat, "Activité")
	msgs := h.api.BotMessages(modChat)
	if n := countMessages(msgs, "Demandes en attente"); n != 1 {
		t.Errorf("%d waiting lists in the moderators' chat, want 1 (the listed moderator's)\n%s", n, h.api.DumpChat(modChat))
	}
	if n := countMessages(msgs, "Activité"); n != 1 {
		t.Errorf("%d activity reports in the moderators' chat, want 1\n%s", n, h.api.DumpChat(modChat))
	}
}
