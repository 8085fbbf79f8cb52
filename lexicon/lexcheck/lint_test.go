package lexcheck

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
)

// TestContainedInMatchesPairs: containedIn finds what a loop over every
// pair finds, in the same order, on strings from a small alphabet (so that
// many contain others, at the start, the end, inside, more than once).
func TestContainedInMatchesPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	alphabet := []rune("麻烦不行ab")
	var strs []string
	for range 400 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		strs = append(strs, b.String())
	}
	keep := func(p, q int) bool { return (p+q)%3 != 0 }
	for _, interior := range []bool{true, false} {
		var want [][2]int
		for p := range strs {
			for q := range strs {
				found := strs[p] != "" && strings.Contains(strs[q], strs[p])
				if interior {
					found = found && strs[q] != strs[p] && !strings.HasPrefix(strs[q], strs[p]) && !strings.HasSuffix(strs[q], strs[p])
				}
				if found && keep(p, q) {
					want = append(want, [2]int{p, q})
				}
			}
		}
		got := containedIn(strs, interior, keep)
		if !slices.Equal(got, want) {
			t.Errorf("interior %v: %d pairs, the pairwise loop %d", interior, len(got), len(want))
		}
		if len(want) < 100 {
			t.Errorf("interior %v: only %d pairs: the test says little", interior, len(want))
		}
	}
}

// generated is samplegen's lexicon of n banned rules, parsed.
func generated(tb testing.TB, n int) *lexicon.Lexicon {
	tb.Helper()
	lex, err := lexicon.Parse("gen.yaml", []byte(samplegen.Lexicon(n)))
	if err != nil {
		tb.Fatal(err)
	}
	return lex
}

// TestLintLargeLexicon lints 20,000 generated rules and checks what it
// finds: phrases inside others of other rules, and the required phrase
// found inside another window's.
func TestLintLargeLexicon(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	start := time.Now()
	fs := Lint(generated(t, 20000))
	t.Logf("%d findings in %v", len(fs), time.Since(start))
	inside, windows := 0, 0
	for _, f := range fs {
		switch {
		case strings.Contains(f.Message, "cannot match inside"):
			inside++
		case strings.Contains(f.Message, "the same words would count for both"):
			windows++
		}
	}
	if inside == 0 || windows != 1 {
		t.Errorf("%d phrases inside others, %d across windows (want some and 1)", inside, windows)
	}
}

// BenchmarkLint100k is issue 22's size: lint of 100,000 rules (target at
// most 5 s; the pairwise lint took 58 s for 60,000).
func BenchmarkLint100k(b *testing.B) {
	lex := generated(b, 100000)
	for b.Loop() {
		Lint(lex)
	}
}
