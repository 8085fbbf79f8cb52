package lexcheck

import (
	"fmt"
	"slices"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/similar"
)

// DefaultPrecision is the precision each family's threshold is chosen to
// reach on held-out turns.
const DefaultPrecision = 0.95

// Train builds a similarity model from the labelled agent turns of the
// corpus for the engine's lexicon: the families are the categories of its
// banned and similar rules, and a turn labelled otherwise is an error. The
// model is for the lexicon that names a model (or, naming none, the
// lexicon itself).
func Train(e *pipeline.Engine, corpus []string, precision float64) (*similar.Model, error) {
	turns, _, err := readCorpus(corpus)
	if err != nil {
		return nil, err
	}
	if len(turns) == 0 {
		return nil, fmt.Errorf("no labelled turns (.tsv, .jsonl) in %v", corpus)
	}
	return train(e.Lexicon(), turns, precision)
}

// train fits a model on the agent turns (a customer's words are never the
// agent's fault, so they teach nothing about agents).
func train(lex *lexicon.Lexicon, turns []utterance, precision float64) (*similar.Model, error) {
	families := Families(lex)
	var examples []similar.Example
	for _, u := range turns {
		if u.Expect != noneLabel && !slices.Contains(families, u.Expect) {
			return nil, fmt.Errorf("%s: label %q is not a family of lexicon %s (%s, or one of %v)", u.Where, u.Expect, lex.Name, noneLabel, families)
		}
		if u.Speaker != lexicon.SpeakerAgent {
			continue
		}
		examples = append(examples, similar.Example{Text: u.Text, Context: u.Context, Label: u.Expect, Source: u.Source})
	}
	if precision == 0 {
		precision = DefaultPrecision
	}
	return similar.Train(examples, similar.Options{
		Lexicon: modelFor(lex), Families: families, Precision: precision,
	})
}

// modelFor is the name@version a model for lex must carry.
func modelFor(lex *lexicon.Lexicon) string {
	if ref := lex.ModelRef(); ref != nil {
		return ref.For
	}
	return lex.Name + "@" + lex.Version
}

// Families are the categories of the lexicon's banned and similar rules,
// sorted: the classes a model tells apart.
func Families(lex *lexicon.Lexicon) []string {
	var out []string
	for _, r := range lex.Rules {
		if lexicon.Forbidden(r.Kind) && r.Category != "" {
			out = append(out, r.Category)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// HasSimilar reports whether the lexicon turns the similarity model on
// for some family.
func HasSimilar(lex *lexicon.Lexicon) bool {
	return slices.ContainsFunc(lex.Rules, func(r lexicon.Rule) bool { return r.Kind == lexicon.KindSimilar })
}

// sources lists the turns' sources in the order first met.
func sources(turns []utterance) []string {
	var out []string
	for _, u := range turns {
		if !slices.Contains(out, u.Source) {
			out = append(out, u.Source)
		}
	}
	return out
}

// LeaveOneSourceOut measures the lexicon with a model trained without each
// source in turn: the exact rules and a model trained (and its thresholds
// chosen) on all the other sources judge that source's turns; the scores
// are summed over the sources. It is what the lexicon can be expected to
// do on turns written by someone it never learned from — a figure that
// training on the same turns cannot inflate. Without similar rules it is
// the exact rules alone.
func LeaveOneSourceOut(e *pipeline.Engine, turns []utterance) (*Eval, error) {
	exact := e.WithSimilar(nil)
	ruleHits := make([][]rules.Hit, len(turns))
	for i, u := range turns {
		hits, err := exact.Banned(u.Speaker, u.Text, u.Context)
		if err != nil {
			return nil, err
		}
		ruleHits[i] = hits
	}
	lex := e.Lexicon()
	ev := newEval()
	for _, held := range sources(turns) {
		var trainTurns, testTurns []utterance
		var testIdx []int
		for i, u := range turns {
			if u.Source == held {
				testTurns, testIdx = append(testTurns, u), append(testIdx, i)
			} else {
				trainTurns = append(trainTurns, u)
			}
		}
		fold := exact
		if HasSimilar(lex) {
			m, err := train(lex, trainTurns, DefaultPrecision)
			if err != nil {
				return nil, err
			}
			stage, err := similar.NewStage(m, lex)
			if err != nil {
				return nil, err
			}
			fold = e.WithSimilar(stage)
		}
		for k, u := range testTurns {
			hits := ruleHits[testIdx[k]]
			if fold != exact && len(hits) == 0 {
				var err error
				if hits, err = fold.Banned(u.Speaker, u.Text, u.Context); err != nil {
					return nil, err
				}
			}
			ev.tally(u, hits)
		}
	}
	ev.sort()
	return ev, nil
}
