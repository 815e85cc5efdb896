package bot

import (
	"html"
	"html/template"
	"strings"

	"github.com/entrepairs/entrepairs/resources"
)

// emergencyNumbers lists, one line per declared region, the numbers to
// call when a life is in danger, for /urgence: "🇧🇪 Belgique : <code>112</code>".
// The regions come from the resources file, so an admin who adds one adds
// its numbers there.
func (b *Bot) emergencyNumbers(dir *resources.Directory, lang string) template.HTML {
	var lines []string
	for _, r := range dir.Regions {
		if len(r.Emergency) == 0 {
			continue
		}
		var nums []string
		for _, p := range r.Emergency {
			n := "<code>" + html.EscapeString(p.Number) + "</code>"
			if p.Label != "" {
				n = html.EscapeString(p.Label) + " " + n
			}
			nums = append(nums, n)
		}
		lines = append(lines, b.texts.T(lang, "resources.region_numbers", map[string]any{
			"Region": r.Name.In(lang), "Numbers": template.HTML(strings.Join(nums, " · ")),
		}))
	}
	return template.HTML(strings.Join(lines, "\n"))
}
