package score

import (
	"fmt"

	"github.com/callqa/callqa/lexicon"
)

// RuleCost is what one rule cost a call: the points of its hits after the
// rule's cap, and why no more.
type RuleCost struct {
	RuleID string
	Hits   int
	Points float64
	// Cap is the rule's cap (0: none); Capped: its hits reached it.
	Cap    float64
	Capped bool
	// Fatal: the rule is fatal, so the call scores 0 whatever the points.
	Fatal bool
}

// Breakdown lists the rules a call's hits belong to, in the order of their
// first hit, with the points each cost.
func Breakdown(hits []Hit, lex *lexicon.Lexicon) []RuleCost {
	var out []RuleCost
	at := map[string]int{}
	for _, h := range hits {
		i, ok := at[h.RuleID]
		if !ok {
			i = len(out)
			at[h.RuleID] = i
			out = append(out, RuleCost{RuleID: h.RuleID})
		}
		out[i].Hits++
		out[i].Points += h.Penalty
	}
	for i := range out {
		for _, r := range lex.Rules {
			if r.ID == out[i].RuleID {
				out[i].Cap = r.Cap
				out[i].Capped = r.Cap > 0 && out[i].Points >= r.Cap
				out[i].Fatal = r.Severity == lexicon.SeverityFatal
			}
		}
	}
	return out
}

// Note says how many hits the rule had and why it cost no more.
func (c RuleCost) Note() string {
	note := fmt.Sprintf("%d hit(s)", c.Hits)
	if c.Capped {
		note += fmt.Sprintf(", capped at %g", c.Cap)
	}
	if c.Fatal {
		note += ", fatal: the score is 0"
	}
	return note
}
