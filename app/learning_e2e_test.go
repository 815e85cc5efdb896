package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entrepairs/entrepairs/moderation"
	tele "gopkg.in/telebot.v3"
)

// Learning from the moderators: their decisions on cards teach the filter
// (moderation.Screener.Lesson), kept in the store without a word
// (store.Learn), in force once a cell has seen three decisions.

// decideCard posts text as author (with a member's report when report is
// set), waits for the card about it and taps label on it.
func decideCard(h *harness, author, reporter tele.User, text string, report bool, label string) {
	h.t.Helper()
	msg := h.post(group(), author, text)
	if report {
		r := h.api.UserMessage(group(), &reporter, "/signaler")
		r.Message.ReplyTo = msg
		h.push(r)
	}
	card := h.botMessage(modChat, author.FirstName, firstWords(text))
	h.press(card, label, mod1)
	h.botMessage(modChat, author.FirstName, "par Camille")
}

func firstWords(s string) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(3, len(w))], " ")
}

// cardAbout reports whether the moderators got a card naming author.
func cardAbout(h *harness, author tele.User) bool {
	for _, m := range h.api.BotMessages(modChat) {
		if strings.Contains(m.Plain, author.FirstName) {
			return true
		}
	}
	return false
}

func TestDismissalsTeachTheFilter(t *testing.T) {
	// Members bringing food to someone who is unwell, or selling their own
	// jam, in words that look like a delivery: false flags, which
	// moderators dismiss.
	h := newHarness(t)
	sales, similar := falseFlags(t)
	t.Logf("dismissed: %q; then: %q", sales, similar)

	before := frenchUser(830, "Avant")
	h.post(group(), before, similar)
	h.botMessage(modChat, "Avant", firstWords(similar)) // flagged before anything was learned

	for i, text := range sales {
		decideCard(h, frenchUser(int64(831+i), fmt.Sprintf("Vendeur%d", i)), tele.User{}, text, false, "Ignorer")
	}
	after := frenchUser(840, "Apres")
	h.post(group(), after, similar)
	h.reviewProbe()
	if cardAbout(h, after) {
		t.Error("after three dismissals of similar messages, the new one is still flagged")
	}

	h.say(modChatRoom(), mod1, "/stats")
	h.botMessage(modChat, "Décisions dont le filtre a appris : 3")
}

// falseFlags returns three friendly offers (help, or one's own goods)
// that the shipped filter flags, and a fourth of the same shape it flags
// too. They are looked for among shapes × things, since each retraining
// of the model moves scores.
func falseFlags(t *testing.T) ([]string, string) {
	t.Helper()
	s := moderation.NewScreener(nil, 0)
	shapes := []string{
		"T'as besoin de quoi ? je passe chez toi ce soir avec %s",
		"je passe chez toi ce soir avec %s, dispo après 20h",
		"dispo ce soir, je te dépose %s en bas de chez toi",
		"je te livre %s ce soir si tu veux, mp",
		"je vends %s, 10 le pot, livraison possible sur Paris, mp",
		"%s maison dispo, je me déplace, contacte-moi en mp",
		"%s dispo, livraison ce soir, 10 le pot, mp",
	}
	things := []string{"de la soupe", "une tisane", "des pâtes", "un gâteau", "des crêpes", "du bouillon", "des clémentines",
		"un gratin", "du miel", "de la confiture", "des bougies", "du pain", "des savons", "des cookies"}
	for _, shape := range shapes {
		var found []string
		for _, thing := range things {
			text := fmt.Sprintf(shape, thing)
			if s.Screen(text, moderation.Context{}).Flag {
				found = append(found, text)
			}
		}
		if len(found) >= 4 {
			return found[:3], found[3]
		}
	}
	t.Fatal("premise: no shape of a friendly offer of help that the filter flags four times")
	return nil, ""
}

func TestDeletionsTeachTheFilter(t *testing.T) {
	h := newHarness(t)
	offers := []string{
		"la tina de jojo est dispo, passe me voir au parc",
		"la tina de jojo dispo demain, je suis au parc vers 18h",
		"la tina de jojo toujours dispo, rdv au parc ce soir",
	}
	similar := "la tina de jojo dispo, je suis au parc"
	reporter := frenchUser(850, "Vigilante")

	before := frenchUser(851, "Avant")
	h.post(group(), before, similar)
	h.reviewProbe()
	if cardAbout(h, before) {
		t.Fatal("premise: the filter as shipped lets this offer through; pick another")
	}
	for i, text := range offers {
		decideCard(h, frenchUser(int64(852+i), fmt.Sprintf("Jojo%d", i)), reporter, text, true, "Supprimer")
	}
	after := frenchUser(860, "Apres")
	h.post(group(), after, similar)
	h.botMessage(modChat, "Apres", "Message repéré par le filtre")
}
