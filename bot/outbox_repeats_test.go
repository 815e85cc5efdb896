package bot

import (
	"testing"
	"time"
)

func TestRepeatsAnswerOncePerMinute(t *testing.T) {
	t0 := time.Date(2026, 12, 4, 20, 0, 0, 0, time.UTC)
	k := repeatKey{chat: -100, user: 7, command: "charter"}
	tests := []struct {
		name string
		key  repeatKey
		at   time.Duration // after t0
		want bool
	}{
		{name: "first", key: k, at: 0, want: true},
		{name: "again at once", key: k, at: time.Second, want: false},
		{name: "again within the minute", key: k, at: 59 * time.Second, want: false},
		{name: "another command", key: repeatKey{chat: -100, user: 7, command: "help"}, at: 2 * time.Second, want: true},
		{name: "another member", key: repeatKey{chat: -100, user: 8, command: "charter"}, at: 2 * time.Second, want: true},
		{name: "another group", key: repeatKey{chat: -200, user: 7, command: "charter"}, at: 2 * time.Second, want: true},
		{name: "a minute after the answer", key: k, at: time.Minute, want: true},
		{name: "within the new minute", key: k, at: time.Minute + time.Second, want: false},
	}
	var r repeats
	for _, tt := range tests {
		if got := r.first(tt.key, t0.Add(tt.at)); got != tt.want {
			t.Errorf("%s: first = %v, want %v", tt.name, got, tt.want)
		}
	}
}
