package secret

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	const token = "123456789:AAH3x9kq0ZVv7fPz2wLrT5nYc8uBdE1gSjM"
	tests := []struct {
		name, text, marker string
		secrets            []string
		want               string
	}{
		{name: "the configured token", text: "token " + token, secrets: []string{token}, want: "token <token>"},
		{name: "a token nobody named", text: "groups: " + token, want: "groups: <token>"},
		{name: "a short token in a Bot API URL", text: `Post "http://127.0.0.1:5/bot123456:secret-token/sendMessage": refused`,
			want: `Post "http://127.0.0.1:5/bot<token>/sendMessage": refused`},
		{name: "a webhook secret", text: "secret=s3cr3t-webhook-value", secrets: []string{"s3cr3t-webhook-value"}, want: "secret=<token>"},
		{name: "another marker", text: "Token:" + token, marker: "<hidden>", secrets: []string{token}, want: "Token:<hidden>"},
		{name: "too short to be a secret", text: "chat 1 of 12", secrets: []string{"1", ""}, want: "chat 1 of 12"},
		{name: "ids and times are no tokens", text: "chat -1001234567 at 12:30:05, user 501", want: "chat -1001234567 at 12:30:05, user 501"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Mask(tt.text, tt.marker, tt.secrets...)
			if got != tt.want {
				t.Errorf("Mask = %q, want %q", got, tt.want)
			}
			for _, s := range tt.secrets {
				if len(s) >= MinLen && strings.Contains(got, s) {
					t.Errorf("secret %q left in %q", s, got)
				}
			}
		})
	}
}
