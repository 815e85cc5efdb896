package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestCheckSaysWhichCheckInsPostGenericTexts: a check-in named after no
// texts of the locale files is valid (it posts the generic check-in
// texts), and check says so, naming the file and the key; one with texts
// of its own is not mentioned.
func TestCheckSaysWhichCheckInsPostGenericTexts(t *testing.T) {
	yaml := validConfig + `checkins:
  - name: vendredi
    weekday: friday
    time: "18:00"
  - name: mercredi
    weekday: wednesday
    time: "19:00"
`
	path := writeConfig(t, yaml, true)
	var stdout, stderr bytes.Buffer
	if code := cli([]string{"check", "--config", path}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "configuration valid") {
		t.Errorf("stdout: %s", out)
	}
	var mention string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "checkins[1]") {
			mention = l
		}
	}
	if !strings.Contains(mention, path) || !strings.Contains(mention, "mercredi") || !strings.Contains(mention, "checkins.generic") {
		t.Errorf("no line naming %s, checkins[1] (mercredi) and the generic texts in:\n%s", path, out)
	}
	if strings.Contains(out, "checkins[0]") {
		t.Errorf("vendredi has texts of its own, yet check mentions it:\n%s", out)
	}
}
