package bot

import (
	"path/filepath"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/admission"
)

// memberCommands are offered to everyone; moderatorCommands only in the
// moderators' chat (a chat-scoped menu replaces the default one there, so it
// repeats the member commands).
var (
	memberCommands    = []string{"ressources", "urgence", "g", "charte", "signaler", "aide", "oubli"}
	moderatorCommands = []string{"attente", "stats"}
)

// publishCommands sets the commands menu in every language the bot speaks.
// A failure is logged: the commands still work when typed.
func (b *Bot) publishCommands() {
	for _, lang := range b.texts.Languages() {
		code := lang
		if lang == b.cfg.Language {
			code = "" // the default menu, for clients in any other language
		}
		if err := b.admin("setMyCommands", 0, func() error { return b.tb.SetCommands(b.commandList(lang, memberCommands), code) }); err != nil {
			b.log.Warn("setMyCommands failed", "lang", lang, "err", b.scrub(err))
		}
		scope := tele.CommandScope{Type: tele.CommandScopeChat, ChatID: b.cfg.Moderation.ChatID}
		all := append(append([]string{}, memberCommands...), moderatorCommands...)
		if err := b.admin("setMyCommands", 0, func() error { return b.tb.SetCommands(b.commandList(lang, all), scope, code) }); err != nil {
			b.log.Warn("setMyCommands failed", "lang", lang, "scope", "moderators", "err", b.scrub(err))
		}
	}
}

func (b *Bot) commandList(lang string, names []string) []tele.Command {
	out := make([]tele.Command, 0, len(names))
	for _, n := range names {
		key := "commands." + n
		if !b.texts.Has(lang, key) {
			key = "resources.cmd_" + n
		}
		out = append(out, tele.Command{Text: n, Description: b.texts.T(lang, key, nil)})
	}
	return out
}

// onCharter shows the current charter: the group's own in a group, and in
// private the charter of the group the person belongs to or asked to join.
func (b *Bot) onCharter(c tele.Context) error {
	lang := b.lang(c)
	path := b.cfg.Groups[0].Charter
	if g, ok := b.cfg.Group(c.Chat().ID); ok {
		path = g.Charter
	} else if c.Sender() != nil {
		for _, g := range b.cfg.Groups {
			if _, err := b.st.LatestAdmission(g.ChatID, c.Sender().ID); err == nil {
				path = g.Charter
				break
			}
		}
	}
	ch := b.charters.Get(path, lang)
	if ch == nil {
		return b.answer(c, b.texts.T(lang, "error.generic", nil))
	}
	for _, part := range ch.Parts {
		if err := b.answer(c, part); err != nil {
			return err
		}
	}
	return nil
}

// onHelp says what the bot does, in the person's language.
func (b *Bot) onHelp(c tele.Context) error {
	return b.answer(c, b.texts.T(b.lang(c), "help", nil))
}

// onPending lists, for moderators, the admissions that wait, oldest first.
func (b *Bot) onPending(c tele.Context) error {
	if !b.moderatorAsks(c) {
		return nil
	}
	lang := b.cfg.Language
	open, err := b.st.Admissions(func(a *admission.Admission) bool { return a.Open() })
	if err != nil {
		return err
	}
	type item struct {
		Name, Username, Group, Since, Link string
		Accepted                           bool
	}
	const shown = 40
	var items []item
	for i, a := range open {
		if i == shown {
			break
		}
		items = append(items, item{
			Name: a.Name, Username: a.Username, Group: b.groupTitle(a),
			Since: b.when(a.RequestedAt, lang), Accepted: a.State == admission.Accepted,
			Link: messageLink(a.CardChatID, a.CardMessageID),
		})
	}
	more := max(0, len(open)-shown)
	return b.answer(c, b.texts.T(lang, "admission.pending_list", map[string]any{
		"Items": items, "Count": len(open), "More": more,
	}))
}

// CharterProblem tells the moderators that a charter file became unusable
// while running (the charter library calls it once per episode). The last
// good version stays in use.
func (b *Bot) CharterProblem(path string, err error) {
	b.log.Error("charter file problem, keeping the last good version", "path", path, "err", err)
	text := b.texts.T(b.cfg.Language, "charter.problem", map[string]any{"File": filepath.Base(path)})
	if _, serr := b.send(b.cfg.Moderation.ChatID, text); serr != nil {
		b.log.Warn("could not tell the moderators about the charter", "err", serr)
	}
}
