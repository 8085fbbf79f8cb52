package rules

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naive finds every occurrence of every phrase by brute force.
func naive(phrases []string, text string) []acMatch {
	var out []acMatch
	for p, ph := range phrases {
		for i := 0; i+len(ph) <= len(text); i++ {
			if strings.HasPrefix(text[i:], ph) {
				out = append(out, acMatch{p, i})
			}
		}
	}
	return out
}

func sortMatches(m []acMatch) {
	slices.SortFunc(m, func(a, b acMatch) int {
		if a.pos != b.pos {
			return a.pos - b.pos
		}
		return a.pattern - b.pattern
	})
}

// TestAutomatonAgreesWithBruteForce: on random texts over a small alphabet
// (so that phrases overlap, nest and share suffixes), the automaton finds
// exactly the occurrences a brute-force search finds.
func TestAutomatonAgreesWithBruteForce(t *testing.T) {
	alphabet := []rune("我管不了这事a")
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		return sb.String()
	}
	for round := range 300 {
		seen := map[string]bool{}
		var phrases []string
		for range 1 + rng.IntN(12) {
			w := word(1 + rng.IntN(4))
			if !seen[w] {
				seen[w] = true
				phrases = append(phrases, w)
			}
		}
		text := word(rng.IntN(40))
		got := newAutomaton(phrases).match(text)
		want := naive(phrases, text)
		sortMatches(got)
		sortMatches(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: phrases %q in %q:\n got %v\nwant %v", round, phrases, text, got, want)
		}
	}
}

func TestAutomatonEdgeCases(t *testing.T) {
	a := newAutomaton([]string{"他", "他们", "们管", "\xff"})
	if got := a.match(""); len(got) != 0 {
		t.Errorf("empty text: %v", got)
	}
	got := a.match("他们管\xff")
	want := []acMatch{{0, 0}, {1, 0}, {2, 3}, {3, 9}}
	sortMatches(got)
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestTrieSize: the states reserved are exactly the states built, for
// phrases sharing prefixes, repeated, and with multi-byte characters that
// share leading bytes (您 and 悠 both start with E6 82).
func TestTrieSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	alphabet := []rune("您悠好a我们")
	for range 500 {
		var phrases []string
		for range 1 + rng.IntN(30) {
			var b strings.Builder
			for range 1 + rng.IntN(5) {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			phrases = append(phrases, b.String())
		}
		if got, want := trieSize(phrases), len(newAutomaton(phrases).states)-1; got != want {
			t.Fatalf("trieSize(%q) = %d, the trie has %d states", phrases, got, want)
		}
	}
}
