package moderation

import (
	"bufio"
	"fmt"
	"os"
	"testing"
)

func TestDebugScreen(t *testing.T) {
	path := os.Getenv("SCREEN_FILE")
	if path == "" {
		t.Skip()
	}
	for _, e := range CheckLexicon("") {
		t.Log(e)
	}
	f, _ := os.Open(path)
	s := NewScreener(nil, 0)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v := s.Screen(sc.Text(), Context{})
		fmt.Printf("%v %.2f %q\n   norm=%q\n", v.Flag, v.Score, sc.Text(), Normalize(sc.Text()))
		for _, r := range v.Reasons {
			fmt.Printf("      %s %q %.3f\n", r.Code, r.Evidence, r.Weight)
		}
	}
}

func TestDebugCorpus(t *testing.T) {
	if os.Getenv("SCREEN_DEV") == "" {
		t.Skip()
	}
	s := NewScreener(nil, 0)
	type tally struct{ total, flagged int }
	dev := map[string]*tally{"offer": {}, "solicitation": {}, "benign": {}}
	hold := map[string]*tally{"offer": {}, "solicitation": {}, "benign": {}}
	for _, e := range loadCorpus(t) {
		h := uint32(2166136261)
		for i := 0; i < len(e.ID); i++ {
			h = (h ^ uint32(e.ID[i])) * 16777619
		}
		held := h%3 == 0
		v := s.Screen(e.Text, Context{})
		m := dev
		if held {
			m = hold
		}
		m[e.Label].total++
		if v.Flag {
			m[e.Label].flagged++
		}
		if !held && v.Flag != (e.Label != "benign") && (os.Getenv("SCREEN_DEV") == "all" || os.Getenv("SCREEN_DEV") == e.Label) {
			fmt.Printf("%s %s %.2f %q\n   norm=%q\n   note=%s\n", e.ID, e.Label, v.Score, e.Text, Normalize(e.Text), e.Note)
			for _, r := range v.Reasons {
				fmt.Printf("      %s %q %.3f\n", r.Code, r.Evidence, r.Weight)
			}
		}
	}
	for _, l := range []string{"offer", "solicitation", "benign"} {
		fmt.Printf("dev  %-12s %3d/%3d = %5.1f %%\n", l, dev[l].flagged, dev[l].total, 100*float64(dev[l].flagged)/float64(dev[l].total))
		fmt.Printf("hold %-12s %3d/%3d = %5.1f %%\n", l, hold[l].flagged, hold[l].total, 100*float64(hold[l].flagged)/float64(hold[l].total))
	}
}

func TestDebugHoldNotes(t *testing.T) {
	if os.Getenv("SCREEN_HOLD") == "" {
		t.Skip()
	}
	s := NewScreener(nil, 0)
	for _, e := range loadCorpus(t) {
		h := uint32(2166136261)
		for i := 0; i < len(e.ID); i++ {
			h = (h ^ uint32(e.ID[i])) * 16777619
		}
		if h%3 != 0 {
			continue
		}
		v := s.Screen(e.Text, Context{})
		if v.Flag != (e.Label != "benign") {
			fmt.Printf("%s %s %.2f note=%s\n", e.ID, e.Label, v.Score, e.Note)
			if os.Getenv("SCREEN_HOLD") == "text" {
				fmt.Printf("   %q\n   norm=%q\n", e.Text, Normalize(e.Text))
				for _, r := range v.Reasons {
					fmt.Printf("      %s %q %.3f\n", r.Code, r.Evidence, r.Weight)
				}
			}
		}
	}
}

func TestDebugMargins(t *testing.T) {
	if os.Getenv("SCREEN_MARGIN") == "" {
		t.Skip()
	}
	s := NewScreener(nil, 0)
	for _, e := range loadCorpus(t) {
		v := s.Screen(e.Text, Context{})
		if (e.Label == "benign" && v.Score >= 0.3) || (e.Label != "benign" && v.Score < 0.6) {
			fmt.Printf("%s %s %.2f %q\n", e.ID, e.Label, v.Score, e.Text)
			for _, r := range v.Reasons {
				fmt.Printf("      %s %q %.3f\n", r.Code, r.Evidence, r.Weight)
			}
		}
	}
}

func TestDebugMine(t *testing.T) {
	if os.Getenv("SCREEN_MINE") == "" {
		t.Skip()
	}
	s := NewScreener(nil, 0)
	f, _ := os.Open(os.Getenv("SCREEN_MINE"))
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var label, text string
		fmt.Sscanf(sc.Text(), "%s", &label)
		text = sc.Text()[len(label)+1:]
		v := s.Screen(text, Context{})
		if v.Flag != (label != "benign") {
			fmt.Printf("MISS %s %.2f %q\n   norm=%q\n", label, v.Score, text, Normalize(text))
			for _, r := range v.Reasons {
				fmt.Printf("      %s %q %.3f\n", r.Code, r.Evidence, r.Weight)
			}
		}
	}
}
