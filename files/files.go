// Package files reads the files admins edit while the bot runs — the groups'
// charters, the resources directory and the lexicon — and holds their
// current valid versions. It is the file-system adapter of the pure parsers
// charter.Parse, resources.Parse and moderation.ParseLexicon: it names the
// file in every error, and follows edits through package watch so that a
// broken edit never replaces the last good version.
//
// The same wording serves the `check` command and the bot: an admin sees
// "charter /srv/paris/charter.md: charter is empty" or
// "/srv/resources.yaml: resources[12] (fr_3114): ..." in both.
package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/entrepairs/entrepairs/charter"
	"github.com/entrepairs/entrepairs/moderation"
	"github.com/entrepairs/entrepairs/resources"
	"github.com/entrepairs/entrepairs/watch"
)

// Charters holds the charter of every group, keyed by path, with their
// optional English versions at charter.EnglishPath. Get is safe to call
// from any goroutine while the watcher swaps in new versions.
type Charters struct {
	groups map[string]*charterFiles // fixed once built, so reads need no lock
}

type charterFiles struct {
	main, english *watch.File[*charter.Charter]
}

// WatchCharters loads the charter at every path (duplicates count once) and,
// when it exists, its English version, and follows them with w. Any problem
// is a startup error naming every file at fault, because a group must never
// start without readable rules; a missing English file is fine. onProblem
// (may be nil) is told once per failure episode while w runs; the last good
// version stays in use meanwhile.
func WatchCharters(w *watch.Watcher, paths []string, onProblem func(path string, err error)) (*Charters, error) {
	cs := &Charters{groups: make(map[string]*charterFiles)}
	var errs []error
	for _, p := range paths {
		key := filepath.Clean(p)
		if _, ok := cs.groups[key]; ok {
			continue
		}
		main, err := watch.Add(w, charterSpec(p, false, onProblem))
		if err != nil {
			errs = append(errs, err)
		}
		english, err := watch.Add(w, charterSpec(charter.EnglishPath(p), true, onProblem))
		if err != nil {
			errs = append(errs, err)
		}
		cs.groups[key] = &charterFiles{main: main, english: english}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return cs, nil
}

func charterSpec(path string, optional bool, onProblem func(string, error)) watch.Spec[*charter.Charter] {
	return watch.Spec[*charter.Charter]{
		Path: path, Kind: "charter", Optional: optional,
		Parse: func(src []byte) (*charter.Charter, error) { return parseCharter(path, src) },
		// Same text (restored, or only line endings changed): members have
		// nothing new to see.
		Same:      func(old, new *charter.Charter) bool { return old.Version == new.Version },
		OnProblem: onProblem,
	}
}

func parseCharter(path string, src []byte) (*charter.Charter, error) {
	c, err := charter.Parse(src)
	if err != nil {
		return nil, fmt.Errorf("charter %s: %w", path, err)
	}
	c.Path = path
	return c, nil
}

// Get returns the charter of the group at path, in English when
// charter.WantsEnglish(lang) and an English file exists, else the main one.
// It returns nil for a path the Charters were not given.
func (cs *Charters) Get(path, lang string) *charter.Charter {
	g := cs.groups[filepath.Clean(path)]
	if g == nil {
		return nil
	}
	if charter.WantsEnglish(lang) {
		if c, ok := g.english.Get(); ok {
			return c
		}
	}
	c, _ := g.main.Get()
	return c
}

// LoadCharter reads and parses the charter at path. Errors always name the
// path, because the admin reading them may run several groups.
func LoadCharter(path string) (*charter.Charter, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("charter %s: %w", path, err)
	}
	return parseCharter(path, src)
}

// CheckCharter lists the problems of the charter at path and of its English
// version when that file exists, for the `check` command an admin runs
// after editing. It returns nil when both are fine; each error names its
// file.
func CheckCharter(path string) []error {
	var errs []error
	if _, err := LoadCharter(path); err != nil {
		errs = append(errs, err)
	}
	en := charter.EnglishPath(path)
	if _, err := os.Stat(en); errors.Is(err, fs.ErrNotExist) {
		return errs
	}
	if _, err := LoadCharter(en); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// Resources is the resources file as the running bot sees it: always a
// valid Directory, replaced when an admin saves a valid edit.
type Resources struct {
	file *watch.File[*resources.Directory]
}

// WatchResources loads the resources file at path and follows it with w. A
// missing or invalid file is a startup error naming the path: the bot must
// not start with an empty or wrong directory, and the admin is there to
// read the error. onProblem (may be nil) is told once per failure episode
// while w runs; the last good version stays in use, so members keep getting
// correct numbers.
func WatchResources(w *watch.Watcher, path string, onProblem func(path string, err error)) (*Resources, error) {
	f, err := watch.Add(w, watch.Spec[*resources.Directory]{
		Path: path, Kind: "resources",
		Parse: func(data []byte) (*resources.Directory, error) {
			d, errs := parseResources(path, data)
			return d, errors.Join(errs...)
		},
		OnProblem: onProblem,
	})
	if err != nil {
		return nil, err
	}
	return &Resources{file: f}, nil
}

// Get returns the current directory, never nil.
func (r *Resources) Get() *resources.Directory {
	d, _ := r.file.Get()
	return d
}

// parseResources names the file in front of each problem.
func parseResources(path string, data []byte) (*resources.Directory, []error) {
	d, errs := resources.Parse(data)
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s: %w", path, e)
	}
	return d, errs
}

// LoadResources reads and parses the resources file at path. The error
// joins every problem, one per line; each names the file.
func LoadResources(path string) (*resources.Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("resources %s: %w", path, err)
	}
	d, errs := parseResources(path, data)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// CheckResources lists the problems of the resources file at path, one
// error per problem, for the `check` command. It returns nil when the file
// is valid.
func CheckResources(path string) []error {
	data, err := os.ReadFile(path)
	if err != nil {
		return []error{fmt.Errorf("resources %s: %w", path, err)}
	}
	_, errs := parseResources(path, data)
	return errs
}

// LoadLexicon returns the default lexicon extended with the file at path;
// "" returns the default alone. Every problem in the file is reported, each
// naming the file and the entry, e.g.
// "lexicon.yaml: signals.offer[3]: weight 1.7 out of range 0..1 (line 12)".
// The lexicon is read once: the screener is built from it at start.
func LoadLexicon(path string) (*moderation.Lexicon, error) {
	if path == "" {
		return moderation.DefaultLexicon(), nil
	}
	lex, errs := readLexicon(path)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return lex, nil
}

// CheckLexicon validates the file at path for the `check` command and
// returns every problem, each naming the file and the entry; nil means the
// file is valid.
func CheckLexicon(path string) []error {
	_, errs := readLexicon(path)
	return errs
}

func readLexicon(path string) (*moderation.Lexicon, []error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{fmt.Errorf("lexicon %s: %w", path, err)}
	}
	lex, errs := moderation.ParseLexicon(src)
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s: %w", path, e)
	}
	return lex, errs
}
