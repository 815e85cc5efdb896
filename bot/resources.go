package bot

import (
	"html"
	"html/template"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/resources"
	"github.com/entrepairs/entrepairs/stats"
	"github.com/entrepairs/entrepairs/store"
)

// Button kind of the resources navigation. Data: a view ("m" menu, "c"
// category, "r" region switch) and its arguments, all checked against the
// current directory.
const btnResources = "res"

// startResources is the deep-link payload that opens the resources in private.
const startResources = "res"

// ephemeralTTL: how long a short group reply pointing to the private chat
// stays in the group.
const ephemeralTTL = 3 * time.Minute

// onResources answers /ressources: in private, the menu; in a group, the
// menu in private when the person has started the bot, otherwise a short
// reply with a button that opens the private chat (removed after a while).
func (b *Bot) onResources(c tele.Context) error {
	who := c.Sender()
	if who == nil {
		return nil
	}
	lang := b.lang(c)
	region := b.regionOf(who.ID, c.Chat().ID)
	text, markup := b.resourcesMenu(lang, region)
	if c.Chat().Type == tele.ChatPrivate {
		return b.owe(c, outbox.Normal, c.Chat().ID, text, markup)
	}
	// In a group: the menu in private, then a short note in the group
	// (removed after ephemeralTTL) saying so, or, when the member never
	// opened the private chat, pointing to it. Owed with the update's
	// mark; which note follows is known once Telegram answered.
	open := &tele.ReplyMarkup{InlineKeyboard: [][]tele.InlineButton{{
		{Text: b.texts.T(lang, "resources.btn_open_private", nil), URL: b.deepLink(startResources)},
	}}}
	group := c.Chat().ID
	note := func(text string, markup *tele.ReplyMarkup) *chained {
		return &chained{Chat: group, Priority: int(outbox.Normal), Msg: owedMessage{Text: text, Markup: markup, Then: &followUp{Kind: thenEphemeral}}}
	}
	return b.oweOp(c, outbox.Normal, who.ID, owedMessage{
		Text: text, Markup: markup,
		After: note(b.texts.T(lang, "resources.sent_private", nil), nil),
		Else:  note(b.texts.T(lang, "resources.open_private", nil), open),
	})
}

// regionOf is the member's remembered region, else the region of the group
// the update comes from, else of the first group.
func (b *Bot) regionOf(userID, chatID int64) string {
	if p, err := b.st.PrefsOf(userID); err == nil && p.Region != "" {
		// A region since removed from the file falls back to the group's.
		if _, ok := b.resources.Get().Region(p.Region); ok {
			return p.Region
		}
	}
	if g, ok := b.cfg.Group(chatID); ok {
		return g.Region
	}
	return b.cfg.Groups[0].Region
}

func (b *Bot) regionLabel(lang, region string) string {
	if r, ok := b.resources.Get().Region(region); ok {
		return r.Name.In(lang)
	}
	return region
}

func (b *Bot) resourcesMenu(lang, region string) (string, *tele.ReplyMarkup) {
	dir := b.resources.Get()
	var rows [][]tele.InlineButton
	var row []tele.InlineButton
	for _, cat := range dir.Categories {
		row = append(row, tele.InlineButton{Text: cat.Title.In(lang), Unique: btnResources, Data: buttonData("c", cat.ID, region)})
		if len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows, b.regionRows(lang, region, "")...)
	text := b.texts.T(lang, "resources.menu_intro", map[string]any{"Region": b.regionLabel(lang, region)})
	return text, &tele.ReplyMarkup{InlineKeyboard: rows}
}

// regionRows are the region switches; the current region is marked.
func (b *Bot) regionRows(lang, current, category string) [][]tele.InlineButton {
	var rows [][]tele.InlineButton
	var row []tele.InlineButton
	for _, r := range b.resources.Get().RegionCodes() {
		label := b.regionLabel(lang, r)
		if r == current {
			label = "✓ " + label
		}
		row = append(row, tele.InlineButton{Text: label, Unique: btnResources, Data: buttonData("r", r, category)})
		if len(row) == 3 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// resourcesList is one category for one region.
func (b *Bot) resourcesList(lang, category, region string) (string, *tele.ReplyMarkup) {
	dir := b.resources.Get()
	cat, _ := dir.Category(category)
	var sb strings.Builder
	sb.WriteString(b.texts.T(lang, "resources.list_header", map[string]any{
		"Category": cat.Title.In(lang), "Region": b.regionLabel(lang, region),
	}))
	entries := dir.In(category, region)
	if len(entries) == 0 {
		sb.WriteString("\n\n" + b.texts.T(lang, "resources.list_empty", map[string]any{"Region": b.regionLabel(lang, region)}))
	}
	for _, r := range entries {
		entry := b.texts.T(lang, "resources.entry", entryView(r, lang))
		// Telegram's limit: stop before it, the list stays readable.
		if len([]rune(sb.String()))+len([]rune(entry)) > 3900 {
			break
		}
		sb.WriteString("\n\n" + entry)
	}
	rows := [][]tele.InlineButton{{{Text: b.texts.T(lang, "resources.btn_back", nil), Unique: btnResources, Data: buttonData("m", region)}}}
	rows = append(rows, b.regionRows(lang, region, category)...)
	return sb.String(), &tele.ReplyMarkup{InlineKeyboard: rows}
}

func entryView(r resources.Resource, lang string) map[string]any {
	return map[string]any{
		"Title": r.Title.In(lang), "Phones": r.Phones, "URL": r.URL,
		"Hours": r.Hours.In(lang), "Description": r.Description.In(lang),
	}
}

// onResourcesButton navigates, editing the same message.
func (b *Bot) onResourcesButton(c tele.Context) error {
	parts := dataFields(c.Callback().Data)
	msg := c.Callback().Message
	if msg == nil || len(parts) < 2 {
		return b.onStaleButton(c)
	}
	lang := b.lang(c)
	dir := b.resources.Get()
	known := func(r string) bool { _, ok := dir.Region(r); return ok }
	var text string
	var markup *tele.ReplyMarkup
	switch {
	case parts[0] == "m" && known(parts[1]):
		text, markup = b.resourcesMenu(lang, parts[1])
	case parts[0] == "c" && len(parts) == 3 && known(parts[2]):
		if _, ok := dir.Category(parts[1]); !ok {
			return b.onStaleButton(c)
		}
		b.count(stats.Resources(parts[1]))
		text, markup = b.resourcesList(lang, parts[1], parts[2])
	case parts[0] == "r" && len(parts) == 3 && known(parts[1]):
		if err := b.st.SetPrefs(c.Sender().ID, storePrefsRegion(parts[1])); err != nil {
			b.log.Error("remember region", "update_id", c.Update().ID, "err", err)
		}
		if _, ok := dir.Category(parts[2]); ok {
			text, markup = b.resourcesList(lang, parts[2], parts[1])
		} else {
			text, markup = b.resourcesMenu(lang, parts[1])
		}
	default:
		return b.onStaleButton(c)
	}
	_ = b.toast(c, "")
	return b.edit(msg.Chat.ID, msg.ID, text, markup)
}

// onEmergency answers /urgence at once, where it was asked.
func (b *Bot) onEmergency(c tele.Context) error {
	b.count(stats.EmergencyViews)
	lang := b.lang(c)
	return b.answer(c, b.texts.T(lang, "resources.urgence", map[string]any{"Numbers": b.emergencyNumbers(b.resources.Get(), lang)}))
}

// onG answers /g with the GHB/GBL safer-use card.
func (b *Bot) onG(c tele.Context) error {
	b.count(stats.GViews)
	return b.answer(c, b.texts.T(b.lang(c), "resources.g", nil))
}

// emergencyBlock lists the emergency entries of a region, as HTML for a
// text that embeds it.
func (b *Bot) emergencyBlock(lang, region string) template.HTML {
	var sb strings.Builder
	dir := b.resources.Get()
	list := dir.Emergency(region)
	if len(list) == 0 && len(dir.Regions) > 0 && region != dir.Regions[0].Code {
		// Nothing for that region: the first declared region's, where
		// most members live.
		list = dir.Emergency(dir.Regions[0].Code)
	}
	for _, r := range list {
		sb.WriteString("\n<b>" + html.EscapeString(r.Title.In(lang)) + "</b>")
		for _, p := range r.Phones {
			sb.WriteString("\n📞 ")
			if p.Label != "" {
				sb.WriteString(html.EscapeString(p.Label) + " : ")
			}
			sb.WriteString("<code>" + html.EscapeString(p.Number) + "</code>")
		}
	}
	return template.HTML(sb.String())
}

// ResourcesProblem tells the moderators, once per episode, that the
// resources file became unusable; the last good version stays in use.
func (b *Bot) ResourcesProblem(path string, err error) {
	b.log.Error("resources file problem, keeping the last good version", "path", path, "err", err)
	text := b.texts.T(b.cfg.Language, "resources.problem", map[string]any{"File": baseName(path)})
	if _, serr := b.send(b.cfg.Moderation.ChatID, text); serr != nil {
		b.log.Warn("could not tell the moderators about the resources", "err", serr)
	}
}

// dropEphemeral removes short group replies whose time is up.
func (b *Bot) dropEphemeral(now time.Time) {
	due, err := b.st.DueEphemeral(now)
	if err != nil {
		return
	}
	for _, m := range due {
		// Forgotten with its deletion owed, in one transaction.
		chat, id := m[0], int(m[1])
		if err := b.write(func(tx *store.Tx) error {
			if err := tx.DropEphemeral(chat, id); err != nil {
				return err
			}
			return b.oweIn(tx, nil, outbox.Normal, chat, owedMessage{Op: opDelete, MessageID: id})
		}); err != nil {
			b.log.Error("record group note removal", "chat_id", chat, "err", err)
		}
	}
}

func storePrefsRegion(region string) store.Prefs { return store.Prefs{Region: region} }

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}
