package langtag

import "testing"

func TestPrimary(t *testing.T) {
	tests := []struct{ name, code, want string }{
		{name: "bare", code: "fr", want: "fr"},
		{name: "region", code: "fr-BE", want: "fr"},
		{name: "underscore", code: "pt_BR", want: "pt"},
		{name: "upper case", code: "EN-us", want: "en"},
		{name: "script and region", code: "zh-Hant-TW", want: "zh"},
		{name: "empty", code: "", want: ""},
		{name: "leading separator", code: "-fr", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Primary(tt.code); got != tt.want {
				t.Errorf("Primary(%q) = %q, want %q", tt.code, got, tt.want)
			}
		})
	}
}
