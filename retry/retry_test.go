package retry

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	b := Backoff{Base: time.Second, Max: 30 * time.Second}
	tests := []struct {
		name    string
		attempt int
		full    time.Duration // the wait before jitter
	}{
		{name: "first failure", attempt: 1, full: time.Second},
		{name: "zero counts as first", attempt: 0, full: time.Second},
		{name: "doubles", attempt: 3, full: 4 * time.Second},
		{name: "capped", attempt: 6, full: 30 * time.Second},
		{name: "stays capped", attempt: 1000, full: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 100 {
				if d := b.Delay(tt.attempt); d < tt.full/2 || d > tt.full {
					t.Fatalf("Delay(%d) = %v, want within [%v, %v]", tt.attempt, d, tt.full/2, tt.full)
				}
			}
		})
	}
}

func TestJitter(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
	}{
		{name: "zero", d: 0},
		{name: "negative", d: -time.Second},
		{name: "one nanosecond", d: 1},
		{name: "a second", d: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 100 {
				got := Jitter(tt.d)
				if tt.d <= 0 && got != 0 || tt.d > 0 && (got < tt.d/2 || got > tt.d) {
					t.Fatalf("Jitter(%v) = %v", tt.d, got)
				}
			}
		})
	}
}
