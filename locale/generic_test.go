package locale

import (
	"fmt"
	"testing"
)

// TestGenericCheckInTexts: the texts a check-in without texts of its own
// posts exist in every language, with at least 4 variants (the bot changes
// variant each week).
func TestGenericCheckInTexts(t *testing.T) {
	texts, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range texts.Languages() {
		n := 0
		for texts.Has(lang, fmt.Sprintf("checkins.generic.%d", n)) {
			if texts.T(lang, fmt.Sprintf("checkins.generic.%d", n), nil) == "" {
				t.Errorf("%s: checkins.generic.%d is empty", lang, n)
			}
			n++
		}
		if n < 4 {
			t.Errorf("%s: %d generic check-in texts, want at least 4", lang, n)
		}
	}
}
