package lexcheck

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/normalize"
)

// Finding is one lint result. Errors fail the lint; warnings are advice.
type Finding struct {
	Rule, Severity, Message string
}

// Lint severities.
const (
	Error   = "error"
	Warning = "warning"
)

// Lint looks for rules that cannot work as written: phrases that normalize
// to nothing, exceptions that can never cancel a match, the same phrase in
// two rules, a phrase that cannot match where a longer phrase of the
// lexicon containing it is said (jieba keeps lexicon phrases whole), and
// rules without examples.
func Lint(lex *lexicon.Lexicon) []Finding {
	var out []Finding
	add := func(rule, severity, format string, args ...any) {
		out = append(out, Finding{rule, severity, fmt.Sprintf(format, args...)})
	}
	owner := map[string]string{} // normalized phrase → rule id
	type phrase struct{ rule, written, norm string }
	var all []phrase
	norm := func(p string) string { return normalize.New(p).Norm }
	for _, r := range lex.Rules {
		for _, p := range r.AllPhrases() {
			n := norm(p)
			if n == "" {
				add(r.ID, Error, "phrase %q is only punctuation and spaces: it can never match", p)
				continue
			}
			all = append(all, phrase{r.ID, p, n})
		}
		for _, p := range r.Phrases {
			n := norm(p)
			if other, ok := owner[n]; ok && other != r.ID && n != "" {
				add(r.ID, Warning, "phrase %q is also a phrase of rule %s: a hit counts in both", p, other)
			}
			owner[n] = r.ID
		}
		var matchers []string // what exceptions may cancel, triggers included
		for _, p := range r.MatchPhrases() {
			matchers = append(matchers, norm(p))
		}
		for _, p := range r.Expanded() {
			for _, piece := range p {
				if len(piece.Phrases) > lexicon.LintExpansion {
					add(r.ID, Warning, "a pattern expands to %d phrases in one piece (more than %d): split it, or use a gap", len(piece.Phrases), lexicon.LintExpansion)
				}
				for _, lit := range piece.Phrases {
					matchers = append(matchers, norm(lit))
				}
			}
		}
		for _, e := range r.Exceptions {
			ne := norm(e)
			if ne != "" && !slices.ContainsFunc(matchers, func(m string) bool { return m != "" && strings.Contains(ne, m) }) {
				add(r.ID, Error, "exception %q contains none of the rule's phrases: it can never cancel a match", e)
			}
		}
		if len(r.Examples.Match) == 0 && r.Kind != lexicon.KindAudio && r.Kind != lexicon.KindSimilar {
			add(r.ID, Warning, "no examples that must match")
		}
		if len(r.Examples.NoMatch) == 0 && r.Kind == lexicon.KindBanned {
			add(r.ID, Warning, "no near-miss examples that must not match")
		}
	}
	out = append(out, lintClasses(lex)...)
	out = append(out, lintRequired(lex)...)
	norms := make([]string, len(all))
	for i, p := range all {
		norms[i] = p.norm
	}
	otherRule := func(p, q int) bool { return all[q].rule != all[p].rule }
	for _, pq := range containedIn(norms, true, otherRule) {
		p, q := all[pq[0]], all[pq[1]]
		add(p.rule, Warning, "phrase %q cannot match inside %q (rule %s), which jieba keeps as one word", p.written, q.written, q.rule)
	}
	return dedupe(out)
}

// containedIn returns the pairs [p, q] of indexes of strs where strs[p] is
// a substring of strs[q] (with interior, one found inside strs[q] and
// neither at its start nor at its end) and keep(p, q) holds, ordered by p
// and then q: what a loop over every pair would find, at the cost of every
// substring of each string rather than of every other string (lexicon
// phrases are short; lint went quadratic in the rules before).
func containedIn(strs []string, interior bool, keep func(p, q int) bool) [][2]int {
	byValue := map[string][]int{}
	for i, s := range strs {
		if s != "" {
			byValue[s] = append(byValue[s], i)
		}
	}
	var pairs [][2]int
	var at []int
	seen := map[string]bool{}
	for q, s := range strs {
		at = at[:0]
		for i := range s {
			at = append(at, i)
		}
		at = append(at, len(s))
		clear(seen)
		n := len(at) - 1 // characters
		for a := range n {
			for b := a + 1; b <= n; b++ {
				if interior && (a == 0 || b == n) {
					continue
				}
				sub := s[at[a]:at[b]]
				if seen[sub] {
					continue
				}
				seen[sub] = true
				if interior && (strings.HasPrefix(s, sub) || strings.HasSuffix(s, sub)) {
					continue
				}
				for _, p := range byValue[sub] {
					if keep(p, q) {
						pairs = append(pairs, [2]int{p, q})
					}
				}
			}
		}
	}
	slices.SortFunc(pairs, func(x, y [2]int) int {
		if x[0] != y[0] {
			return x[0] - y[0]
		}
		return x[1] - y[1]
	})
	return pairs
}

// lintClasses warns of word classes no pattern uses.
func lintClasses(lex *lexicon.Lexicon) []Finding {
	used := map[string]bool{}
	for _, r := range lex.Rules {
		for _, p := range r.Patterns {
			for name := range lex.Classes {
				if strings.Contains(p, "{"+name+"}") {
					used[name] = true
				}
			}
		}
	}
	var out []Finding
	for _, name := range slices.Sorted(maps.Keys(lex.Classes)) {
		if !used[name] {
			out = append(out, Finding{"classes", Warning, fmt.Sprintf("class %q is used by no pattern", name)})
		}
	}
	return out
}

// lintRequired warns of a required phrase that another required rule of
// another window also accepts: the same words would count as an opening
// and as a closing.
func lintRequired(lex *lexicon.Lexicon) []Finding {
	type phrase struct{ rule, window, written, norm string }
	var req []phrase
	for _, r := range lex.Rules {
		if r.Kind != lexicon.KindRequired {
			continue
		}
		lits := slices.Clone(r.Phrases)
		for _, p := range r.Expanded() {
			if len(p) == 1 {
				lits = append(lits, p[0].Phrases...)
			}
		}
		for _, l := range lits {
			req = append(req, phrase{r.ID, r.Window.Name, l, normalize.New(l).Norm})
		}
	}
	norms := make([]string, len(req))
	for i, p := range req {
		norms[i] = p.norm
	}
	differ := func(p, q int) bool { return req[p].rule != req[q].rule && req[p].window != req[q].window }
	var out []Finding
	for _, pq := range containedIn(norms, false, differ) {
		p, q := req[pq[0]], req[pq[1]]
		out = append(out, Finding{p.rule, Warning, fmt.Sprintf("phrase %q is found inside %q of rule %s (%s window): the same words would count for both", p.written, q.written, q.rule, q.window)})
	}
	return out
}

func dedupe(fs []Finding) []Finding {
	var out []Finding
	seen := map[Finding]bool{}
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
