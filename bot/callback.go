package bot

import "strings"

// Button data: every inline button of the bot carries a few short fields
// joined by "|" (an id and an action letter, a view and a region...). telebot
// puts the button's Unique in front ("\f<unique>|<data>") and routes the tap
// to the handler of that Unique, which receives only the data.
//
// Telegram limits callback data to 64 bytes, hence ids, letters and codes
// rather than words. The data comes back from the client as it was sent,
// or forged, or from an older version of the bot: handlers check the number
// of fields and each field before acting (FuzzCallbackData sends them
// anything).

// dataSep separates the fields of a button's data.
const dataSep = "|"

// buttonData joins fields into a button's data. No field may contain "|":
// ids come from the store, the rest are the bot's own constants.
func buttonData(fields ...string) string { return strings.Join(fields, dataSep) }

// dataFields splits a button's data into its fields; empty data is one
// empty field, as strings.Split has it.
func dataFields(data string) []string { return strings.Split(data, dataSep) }

// dataPair reads data made of exactly two fields, the usual "id|action".
func dataPair(data string) (first, second string, ok bool) {
	f := dataFields(data)
	if len(f) != 2 {
		return "", "", false
	}
	return f[0], f[1], true
}
