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
	for _, p := range all {
		for _, q := range all {
			if q.norm != p.norm && strings.Contains(q.norm, p.norm) && !strings.HasPrefix(q.norm, p.norm) && !strings.HasSuffix(q.norm, p.norm) && q.rule != p.rule {
				add(p.rule, Warning, "phrase %q cannot match inside %q (rule %s), which jieba keeps as one word", p.written, q.written, q.rule)
			}
		}
	}
	return dedupe(out)
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
	var out []Finding
	for _, p := range req {
		for _, q := range req {
			if p.rule != q.rule && p.window != q.window && p.norm != "" && strings.Contains(q.norm, p.norm) {
				out = append(out, Finding{p.rule, Warning, fmt.Sprintf("phrase %q is found inside %q of rule %s (%s window): the same words would count for both", p.written, q.written, q.rule, q.window)})
			}
		}
	}
	return out
}

func dedupe(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}
