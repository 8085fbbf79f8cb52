// Package score turns a call's hits into a score out of 100 and a verdict.
package score

import (
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/rules"
)

// Full is the score of a call without hits.
const Full = 100

// Card is a call's score.
type Card struct {
	Score  float64
	Passed bool
	// Fatal: a fatal rule was hit, so the score is 0.
	Fatal bool
	// Hits are the call's hits, each with what it cost.
	Hits []Hit
}

// Hit is a rule hit and what it cost after its rule's cap. A card's
// penalties add up to Full - Score unless a fatal rule was hit or the score
// bottomed at 0.
type Hit struct {
	rules.Hit
	Penalty float64
}

// Apply scores hits (in time order, so that a rule's cap is reached by its
// first hits) against the rules and pass mark of lex.
func Apply(hits []rules.Hit, lex *lexicon.Lexicon) Card {
	byID := make(map[string]*lexicon.Rule, len(lex.Rules))
	for i := range lex.Rules {
		byID[lex.Rules[i].ID] = &lex.Rules[i]
	}
	c := Card{Hits: make([]Hit, len(hits))}
	spent := map[string]float64{}
	var total float64
	for i, h := range hits {
		c.Hits[i].Hit = h
		r, ok := byID[h.RuleID]
		if !ok {
			continue
		}
		p := r.Penalty
		if r.Cap > 0 {
			p = max(0, min(p, r.Cap-spent[r.ID]))
		}
		spent[r.ID] += p
		c.Hits[i].Penalty = p
		total += p
		if r.Severity == lexicon.SeverityFatal {
			c.Fatal = true
		}
	}
	c.Score = max(0, Full-total)
	if c.Fatal {
		c.Score = 0
	}
	c.Passed = !c.Fatal && c.Score >= lex.Settings.PassMark
	return c
}
