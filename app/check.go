package main

import (
	"fmt"
	"io"

	"github.com/entrepairs/entrepairs/charter"
	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/resources"
)

// check validates the configuration and every file it refers to, printing
// one line per problem (file and key), and returns 0 when all is valid, 2
// otherwise. It never contacts Telegram.
func check(path string, stdout, stderr io.Writer) int {
	cfg, problems, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitInvalid
	}
	problems = append(problems, fileProblems(cfg)...)
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if len(problems) > 0 {
		return exitInvalid
	}
	fmt.Fprintf(stdout, "%s: configuration valid (%d group(s))\n", displayPath(cfg), len(cfg.Groups))
	return exitOK
}

// fileProblems checks the files the configuration names.
func fileProblems(cfg *config.Config) []config.Problem {
	var out []config.Problem
	for i, g := range cfg.Groups {
		if g.Charter == "" {
			continue // already reported as a missing key
		}
		for _, err := range charter.Check(g.Charter) {
			out = append(out, config.Problem{File: displayPath(cfg), Key: fmt.Sprintf("groups[%d].charter", i), Message: err.Error()})
		}
	}
	if cfg.Resources != "" {
		for _, err := range resources.Check(cfg.Resources) {
			out = append(out, config.Problem{File: displayPath(cfg), Key: "resources", Message: err.Error()})
		}
	}
	if cfg.Moderation.Lexicon != "" {
		for _, err := range moderation.CheckLexicon(cfg.Moderation.Lexicon) {
			out = append(out, config.Problem{File: displayPath(cfg), Key: "moderation.lexicon", Message: err.Error()})
		}
	}
	return out
}

func displayPath(cfg *config.Config) string {
	if cfg.Path == "" {
		return "(environment)"
	}
	return cfg.Path
}
