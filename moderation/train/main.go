// Command train learns the screening model's weights from the labelled
// corpus and writes them to moderation/model.bin, which the binary embeds.
//
//	go run ./moderation/train            # from the repository root
//
// It is deterministic: the same corpus and settings give the same file
// byte for byte, which a test checks. It reports k-fold cross-validated
// figures for each candidate (the rules alone, the learned n-grams alone,
// both) and keeps the best. It never reads the locked test part: its figures
// are the corpus test's (go test -run TestLockedCorpus -v ./moderation).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/entrepairs/entrepairs/moderation"
)

func main() {
	dir := flag.String("corpus", "moderation/testdata/corpus", "folder of labelled JSON Lines files")
	out := flag.String("out", "moderation/model.bin", "weights file to write")
	folds := flag.Int("folds", 5, "cross-validation folds")
	flag.Parse()
	if err := run(*dir, *out, *folds); err != nil {
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

func run(dir, out string, folds int) error {
	entries, err := moderation.LoadCorpusDir(os.DirFS(dir))
	if err != nil {
		return err
	}
	s := moderation.NewRulesScreener(nil, 0)
	res := s.Train(entries, folds, moderation.DefaultTrainOptions)
	fmt.Printf("corpus: %d messages (%d in the locked part, never used here)\n", len(entries), countLocked(entries))
	fmt.Printf("%d-fold cross-validation on the training part:\n", folds)
	for _, c := range res.Candidates {
		fmt.Printf("  %-14s threshold %.3f  %s, as newcomers' %d  objective %.4f\n", c.Mode, c.Threshold, c.CV, c.NewcomerProtected, c.Objective)
	}
	fmt.Printf("chosen: %s\n", res.Chosen.Mode)
	if err := os.WriteFile(out, res.Model.Encode(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s\n", filepath.Clean(out))
	return nil
}

func countLocked(es []moderation.CorpusEntry) int {
	n := 0
	for _, e := range es {
		if e.Locked() {
			n++
		}
	}
	return n
}
