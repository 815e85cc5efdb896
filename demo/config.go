package demo

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/entrepairs/entrepairs/config"
	"github.com/entrepairs/entrepairs/telegram/emulator"
)

// shippedFiles are the files the sandbox needs when it borrows no
// deployment's configuration.
var shippedFiles = []string{"charter.md", "charter.en.md", "resources.yaml"}

// writeConfig writes the sandbox's configuration in s.dir and returns its
// path: the emulator's token and address, the sandbox's chats and people,
// data in dataDir, and either the shipped files (copied beside it) or the
// deployment's files (named in place, so that their edits show).
func (s *Sandbox) writeConfig(dataDir string) (string, error) {
	cfg := map[string]any{
		"telegram": map[string]any{"token": emulator.Token, "api_url": s.api.URL, "poll_timeout": "10s"},
		"storage":  map[string]any{"path": filepath.Join(dataDir, "entrepairs.db")},
		"log":      map[string]any{"level": s.opts.LogLevel},
		"language": "fr",
		"timezone": "Europe/Paris",
	}
	moderation := map[string]any{"chat_id": s.modChat, "moderators": []int64{moderatorID}}
	cfg["moderation"] = moderation
	s.groups = []Group{
		{ID: requestGroupID, Title: "Entraide Paris", Join: "request"},
		{ID: restrictGrpID, Title: "Entraide Bruxelles", Join: "restrict"},
	}
	charters := []string{"charter.md", "charter.md"}
	regions := []string{"FR", "BE"}
	checkins := []map[string]any{
		{"name": "vendredi", "weekday": "friday", "time": "18:00"},
		{"name": "lundi", "weekday": "monday", "time": "10:00"},
	}
	if s.opts.ConfigPath == "" {
		if s.opts.Shipped == nil {
			return "", fmt.Errorf("demo: no files to try: give a configuration or the shipped files")
		}
		for _, name := range shippedFiles {
			data, err := fs.ReadFile(s.opts.Shipped, name)
			if err != nil {
				return "", fmt.Errorf("demo: shipped file: %w", err)
			}
			if err := os.WriteFile(filepath.Join(s.dir, name), data, 0o600); err != nil {
				return "", fmt.Errorf("demo: %w", err)
			}
		}
		cfg["resources"] = "resources.yaml"
	} else {
		dep, _, err := config.Load(s.opts.ConfigPath)
		if err != nil {
			return "", fmt.Errorf("demo: %w", err)
		}
		// Problems with the token or chat ids do not matter here; those
		// with the files do, and Open reports them from the sandbox's
		// own configuration, which names the same files.
		if dep.Language == "en" || dep.Language == "fr" {
			cfg["language"] = dep.Language
		}
		if dep.Location != nil {
			cfg["timezone"] = dep.Timezone
		}
		cfg["resources"] = dep.Resources
		if dep.Moderation.Lexicon != "" {
			moderation["lexicon"] = dep.Moderation.Lexicon
		}
		if dep.Moderation.Threshold > 0 {
			moderation["threshold"] = dep.Moderation.Threshold
		}
		if dep.Moderation.AutoDeleteAbove > 0 {
			moderation["auto_delete_above"] = dep.Moderation.AutoDeleteAbove
		}
		for i := range s.groups {
			if len(dep.Groups) == 0 {
				break
			}
			g := dep.Groups[min(i, len(dep.Groups)-1)]
			if g.Charter != "" {
				charters[i] = g.Charter
			}
			if g.Name != "" && i < len(dep.Groups) {
				s.groups[i].Title = g.Name
			}
			if g.Region != "" {
				regions[i] = g.Region
			}
		}
		if len(dep.CheckIns) > 0 {
			checkins = checkins[:0]
			for _, ci := range dep.CheckIns {
				// The deployment's groups are not the sandbox's: every
				// check-in is posted in every group here.
				c := map[string]any{"name": ci.Name, "weekday": ci.Weekday, "time": ci.Time}
				if ci.Text != "" {
					c["text"] = ci.Text
				}
				checkins = append(checkins, c)
			}
		}
	}
	var groups []map[string]any
	for i, g := range s.groups {
		groups = append(groups, map[string]any{
			"chat_id": g.ID, "name": g.Title, "charter": charters[i], "join": g.Join, "region": regions[i],
		})
	}
	cfg["groups"] = groups
	cfg["checkins"] = checkins
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("demo: configuration: %w", err)
	}
	path := filepath.Join(s.dir, "config.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("demo: %w", err)
	}
	return path, nil
}
