package emulator_test

import (
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// What a sandbox drawing the chats needs: formatting as entities, the
// documents the bot uploads, replies, and a signal at each change.

func TestEntitiesAndDocumentsInSnapshots(t *testing.T) {
	s := emulator.NewT(t)
	b := newBot(t, s, true, nil)
	chat := &tele.Chat{ID: 42}
	if _, err := b.Send(chat, "🌱 <b>Charte</b> <a href=\"https://aides.org\">lien</a>", tele.ModeHTML); err != nil {
		t.Fatal(err)
	}
	m, _ := s.LastBotMessage(42)
	want := []emulator.Entity{{Type: "bold", Offset: 3, Length: 6}, {Type: "text_link", Offset: 10, Length: 4, URL: "https://aides.org"}}
	if len(m.Entities) != len(want) || m.Entities[0] != want[0] || m.Entities[1] != want[1] {
		t.Errorf("entities %+v, want %+v", m.Entities, want)
	}

	csv := "week,join_requests\n2026-W49,3\n"
	doc := &tele.Document{File: tele.FromReader(strings.NewReader(csv)), FileName: "stats.csv", Caption: "Comptes"}
	if _, err := b.Send(chat, doc); err != nil {
		t.Fatal(err)
	}
	m, _ = s.LastBotMessage(42)
	if m.Kind != "document" || m.FileName != "stats.csv" || string(m.FileData) != csv || m.Plain != "Comptes" {
		t.Errorf("document %q %q %q %q", m.Kind, m.FileName, m.FileData, m.Plain)
	}
	big := &tele.Document{File: tele.FromReader(strings.NewReader(strings.Repeat("x", 2<<20))), FileName: "big.bin"}
	if _, err := b.Send(chat, big); err != nil {
		t.Fatal(err)
	}
	if m, _ = s.LastBotMessage(42); m.FileName != "big.bin" || m.FileData != nil {
		t.Errorf("a 2 MiB upload kept: %d bytes", len(m.FileData))
	}
}

func TestUserReplyAndChanged(t *testing.T) {
	s := emulator.NewT(t)
	group := emulator.Supergroup(-1001, "Groupe")
	sam, noe := emulator.User(7, "Sam"), emulator.User(8, "Noe")
	target := s.UserMessage(group, &sam, "tu verras bien ce soir")
	changed := s.Changed()
	s.Push(target)
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("Changed not closed by a push")
	}

	u, err := s.UserReply(group, &noe, "/signaler", target.Message.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Message.ReplyTo == nil || u.Message.ReplyTo.ID != target.Message.ID || u.Message.ReplyTo.Text != "tu verras bien ce soir" {
		t.Errorf("the update does not carry the replied message: %+v", u.Message.ReplyTo)
	}
	if m, ok := s.Message(group.ID, u.Message.ID); !ok || m.ReplyTo != target.Message.ID {
		t.Errorf("the history does not record the reply: %+v", m)
	}
	if _, err := s.UserReply(group, &noe, "/signaler", 999); err == nil {
		t.Error("a reply to a message that does not exist was built")
	}
}
