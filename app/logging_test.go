package app

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestLogsNeverShowTheToken(t *testing.T) {
	var buf bytes.Buffer
	const token = "123456:AAFake-Test-Token-For-The-Local-Bot-API"
	log := newLogger(&buf, "debug", "text", token)
	log.Error("post https://api.telegram.org/bot"+token+"/getMe failed", "url", "https://api.telegram.org/bot"+token, "err", os.ErrDeadlineExceeded)
	log.With("base", token).Info("hello")
	if strings.Contains(buf.String(), token) {
		t.Errorf("token in logs:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "<token>") {
		t.Errorf("redaction marker missing:\n%s", buf.String())
	}
}
