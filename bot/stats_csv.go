package bot

import (
	"bytes"
	"strings"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/entrepairs/entrepairs/outbox"
	"github.com/entrepairs/entrepairs/stats"
)

// sendStatsCSV answers /stats csv with the weekly counts as a CSV file,
// the same columns as `entrepairs stats --csv`: the report for funders,
// without stopping the bot to read its data file. Counts only, as ever.
func (b *Bot) sendStatsCSV(c tele.Context) error {
	chatID := c.Chat().ID
	weeks, names, counts, err := stats.Weekly(b.st)
	var data bytes.Buffer
	if err == nil {
		err = stats.WriteCSV(&data, weeks, names, counts)
	}
	if err != nil {
		_, _ = b.send(chatID, b.texts.T(b.cfg.Language, "error.generic", nil))
		return err
	}
	loc := b.cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	lang := b.cfg.Language
	if c.Chat().Type == tele.ChatPrivate {
		lang = b.lang(c)
	}
	name := "entrepairs-stats-" + b.now().In(loc).Format(time.DateOnly) + ".csv"
	caption := b.texts.T(lang, "stats.csv_caption", map[string]any{"Weeks": len(weeks)})
	return b.tg("sendDocument", chatID, outbox.Message, b.priorityFor(chatID), func() error {
		// A fresh reader for each attempt: a retry sends the whole file.
		doc := &tele.Document{File: tele.FromReader(bytes.NewReader(data.Bytes())), FileName: name, MIME: "text/csv", Caption: caption}
		_, err := b.tb.Send(tele.ChatID(chatID), doc, tele.ModeHTML)
		return err
	})
}

// wantsCSV: /stats csv (any case, spaces around).
func wantsCSV(c tele.Context) bool {
	m := c.Message()
	return m != nil && strings.EqualFold(strings.TrimSpace(m.Payload), "csv")
}
