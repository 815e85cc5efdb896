package app

import (
	"fmt"

	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/locale"
)

// GenericCheckInTexts is the locale prefix of the check-in texts fit for
// any day (locale/checkins-generic.*.yaml): a check-in whose name has no
// texts of its own posts them. An admin who adds `name: mercredi` gets a
// check-in on Wednesdays, not a silence and an ERROR line each week.
const GenericCheckInTexts = "checkins.generic"

// checkInTexts returns the locale prefix a check-in posts with in lang: its
// own texts (text:, or checkins.<name>) when the locale files have them,
// else GenericCheckInTexts, with generic true.
func checkInTexts(ci config.CheckIn, texts *locale.Texts, lang string) (prefix string, generic bool) {
	prefix = ci.Text
	if prefix == "" {
		prefix = "checkins." + ci.Name
	}
	if texts == nil || texts.Has(lang, prefix+".0") {
		return prefix, false
	}
	return GenericCheckInTexts, true
}

// CheckInNotes says which check-ins will post the generic texts, one line
// each naming the file and key, for `check` (it is valid, but the admin
// may have meant texts of their own).
func CheckInNotes(cfg *config.Config) ([]string, error) {
	texts, err := locale.Load()
	if err != nil {
		return nil, err
	}
	var out []string
	for i, ci := range cfg.CheckIns {
		if ci.Name == "" {
			continue
		}
		if _, generic := checkInTexts(ci, texts, cfg.Language); generic {
			wanted := ci.Text
			if wanted == "" {
				wanted = "checkins." + ci.Name
			}
			out = append(out, fmt.Sprintf("%s: checkins[%d] (%s): no texts %s.* in the locale files, it will post the generic check-in texts (%s)",
				displayPath(cfg), i, ci.Name, wanted, GenericCheckInTexts))
		}
	}
	return out, nil
}
