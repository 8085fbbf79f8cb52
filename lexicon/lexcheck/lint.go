package lexcheck

import (
	"fmt"
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
		for _, e := range r.Exceptions {
			ne := norm(e)
			if ne != "" && !slices.ContainsFunc(matchers, func(m string) bool { return m != "" && strings.Contains(ne, m) }) {
				add(r.ID, Error, "exception %q contains none of the rule's phrases: it can never cancel a match", e)
			}
		}
		if len(r.Examples.Match) == 0 && r.Kind != lexicon.KindAudio {
			add(r.ID, Warning, "no examples that must match")
		}
		if len(r.Examples.NoMatch) == 0 && r.Kind == lexicon.KindBanned {
			add(r.ID, Warning, "no near-miss examples that must not match")
		}
	}
	for _, p := range all {
		for _, q := range all {
			if q.norm != p.norm && strings.Contains(q.norm, p.norm) && !strings.HasPrefix(q.norm, p.norm) && !strings.HasSuffix(q.norm, p.norm) && q.rule != p.rule {
				add(p.rule, Warning, "phrase %q cannot match inside %q (rule %s), which jieba keeps as one word", p.written, q.written, q.rule)
			}
		}
	}
	return dedupe(out)
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
