package store

import (
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Concurrent marks are grouped into shared transactions; each must be on
// disk when its call returns, and none may be lost.
func TestMarkHandledConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 50
	now := time.Unix(1_800_000_000, 0)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := w*each + i + 1
				if err := s.MarkHandled(id, now); err != nil {
					t.Error(err)
					return
				}
				if seen, err := s.Handled(id); err != nil || !seen {
					t.Errorf("update %d not seen right after MarkHandled returned (%v)", id, err)
				}
			}
		}()
	}
	wg.Wait()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id := 1; id <= writers*each; id++ {
		if seen, err := s.Handled(id); err != nil || !seen {
			t.Fatalf("update %d lost (%v)", id, err)
		}
	}
	if n, err := s.PruneHandled(now.Add(time.Second)); err != nil || n != writers*each {
		t.Errorf("pruned %d (%v), want %d", n, err, writers*each)
	}
}
