package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// TestRegionAddedInTheFile: an admin declares Luxembourg in resources.yaml
// while the bot runs, with an entry; /urgence gives its number, the region
// buttons offer it, and its entries are listed. No Go touched.
func TestRegionAddedInTheFile(t *testing.T) {
	h := newHarness(t)
	shipped, err := os.ReadFile(filepath.Join(h.dir, "resources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(shipped), "\ncategories:\n",
		"\n  - {code: LU, name: {fr: \"🇱🇺 Luxembourg\", en: \"🇱🇺 Luxembourg\"}, emergency: [{label: Secours, number: \"112\"}, {label: Police, number: \"113\"}]}\n\ncategories:\n", 1) +
		`  - id: lu_help
    category: emergency
    region: LU
    title: {fr: "Secours au Luxembourg", en: "Help in Luxembourg"}
    description: {fr: "Ambulance et pompiers.", en: "Ambulance and fire brigade."}
    phone: "112"
`
	lou := frenchUser(81, "Lou")
	// The watcher takes an edit once two polls agree: two polls here, then
	// /urgence shows it.
	h.writeFile("resources.yaml", edited)
	h.m.Watcher.Poll()
	h.m.Watcher.Poll()
	h.say(emulator.PrivateChat(lou), lou, "/urgence")
	urgence := h.botMessage(lou.ID, "Urgence", "Luxembourg")
	for _, want := range []string{"🇱🇺 Luxembourg : Secours 112 · Police 113", "🇫🇷 France : SAMU 15", "🇨🇭 Suisse : Ambulance 144", "PLS"} {
		if !strings.Contains(urgence.Plain, want) {
			t.Errorf("/urgence lacks %q:\n%s", want, urgence.Plain)
		}
	}
	h.say(emulator.PrivateChat(lou), lou, "/ressources")
	menu := h.botMessage(lou.ID, "Choisis un thème")
	h.press(menu, "Luxembourg", lou)
	h.press(h.botMessage(lou.ID, "Choisis un thème", "Luxembourg"), "Urgence", lou)
	h.botMessage(lou.ID, "Secours au Luxembourg", "Ambulance et pompiers")
}
