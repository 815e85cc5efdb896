package config

import (
	"strings"
	"time"
)

// Admission says how long a request to join may stay open and how a
// sanction or a refusal weighs on a later request.
type Admission struct {
	// ExpireAfter: a request whose charter was not accepted within this
	// long is declined kindly and erased.
	ExpireAfter time.Duration `mapstructure:"expire_after"`
	// UndecidedAfter: a request accepted but not decided by a moderator
	// within this long is closed, the person told kindly, the moderators
	// told in one line, and its personal fields erased.
	UndecidedAfter time.Duration `mapstructure:"undecided_after"`
	// RetryAfter: a refused person puts at most one new card in front of
	// the moderators per this long; in between, their requests are
	// declined with a kind message and help contacts.
	RetryAfter time.Duration `mapstructure:"retry_after"`
	// SanctionsStick: a person banned, or refused as a dealer, in one
	// group has their later requests to any group declined automatically
	// (the moderators get a one-line note). Off, the card says so
	// prominently and the moderators decide.
	SanctionsStick bool `mapstructure:"sanctions_stick"`
}

func (c *Config) validateAdmission(ps *problems) {
	a := c.Admission
	ps.nonNegative("admission.expire_after", a.ExpireAfter, "48h")
	ps.nonNegative("admission.undecided_after", a.UndecidedAfter, "336h")
	ps.nonNegative("admission.retry_after", a.RetryAfter, "168h")
}

// boolean reads yes/no as volunteers write it, in French or English.
func boolean(raw any) (bool, error) {
	switch x := raw.(type) {
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "on", "oui", "1":
			return true, nil
		case "false", "no", "off", "non", "0":
			return false, nil
		}
	}
	return false, badValue("%s is not yes or no; write true or false", describe(raw))
}
