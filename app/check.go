package app

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/files"
)

// Check loads the configuration at path and checks every file it refers
// to (charters, resources, lexicon). It never contacts Telegram. err is for
// a configuration that cannot be read at all; problems name the file and
// key of everything else that is wrong. The check command prints them, and
// Main.Open refuses to start while there are any.
func Check(path string) (cfg *config.Config, problems []config.Problem, err error) {
	cfg, problems, err = config.Load(path)
	if err != nil {
		return nil, nil, err
	}
	return cfg, append(problems, fileProblems(cfg)...), nil
}

// fileProblems checks the files the configuration names.
func fileProblems(cfg *config.Config) []config.Problem {
	var out []config.Problem
	for i, g := range cfg.Groups {
		if g.Charter == "" {
			continue // already reported as a missing key
		}
		for _, err := range files.CheckCharter(g.Charter) {
			out = append(out, config.Problem{File: displayPath(cfg), Key: fmt.Sprintf("groups[%d].charter", i), Message: err.Error()})
		}
	}
	if cfg.Resources != "" {
		for _, err := range files.CheckResources(cfg.Resources) {
			out = append(out, config.Problem{File: displayPath(cfg), Key: "resources", Message: err.Error()})
		}
		out = append(out, regionProblems(cfg)...)
	}
	if cfg.Moderation.Lexicon != "" {
		for _, err := range files.CheckLexicon(cfg.Moderation.Lexicon) {
			out = append(out, config.Problem{File: displayPath(cfg), Key: "moderation.lexicon", Message: err.Error()})
		}
	}
	return out
}

// DisplayPath names the configuration in messages: its file, or
// "(environment)" when it comes from environment variables alone.
func DisplayPath(cfg *config.Config) string { return displayPath(cfg) }

func displayPath(cfg *config.Config) string {
	if cfg.Path == "" {
		return "(environment)"
	}
	return cfg.Path
}

// regionProblems checks that each group's region is one the resources file
// declares (regions are data there, not a list in the code).
func regionProblems(cfg *config.Config) []config.Problem {
	dir, err := files.LoadResources(cfg.Resources)
	if err != nil {
		return nil // the file's own problems are reported already
	}
	var out []config.Problem
	for i, g := range cfg.Groups {
		if _, ok := dir.Region(g.Region); !ok {
			out = append(out, config.Problem{File: displayPath(cfg), Key: fmt.Sprintf("groups[%d].region", i),
				Message: fmt.Sprintf("%q is not a region of %s (declared: %s); add it under regions: there, or use one of these",
					g.Region, filepath.Base(cfg.Resources), strings.Join(dir.RegionCodes(), ", "))})
		}
	}
	return out
}
