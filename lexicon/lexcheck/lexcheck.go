// Package lexcheck is the CI gate for rule changes: it runs every rule's
// examples and the sample calls that carry expected hits, and lints a
// lexicon for rules that cannot work as written.
package lexcheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/source"
)

// Case is one check: passed when Failure is empty.
type Case struct {
	Suite, Name string
	Failure     string
}

// Examples checks every example sentence of every rule: "match" sentences
// must match the rule, "no_match" ones must not.
func Examples(lex *lexicon.Lexicon, e *pipeline.Engine) ([]Case, error) {
	var cases []Case
	check := func(r lexicon.Rule, s string, want bool) error {
		c := Case{Suite: "rule " + r.ID, Name: fmt.Sprintf("%q", s)}
		got, err := e.Finds(r.ID, s)
		if err != nil {
			return err
		}
		if got != want {
			verb := "should match but does not"
			if !want {
				verb = "should not match but does"
			}
			words, _ := e.Cut(s)
			c.Failure = fmt.Sprintf("rule %s: %q %s (words: %s)", r.ID, s, verb, strings.Join(words, "/"))
		}
		cases = append(cases, c)
		return nil
	}
	for _, r := range lex.Rules {
		for _, s := range r.Examples.Match {
			if err := check(r, s, true); err != nil {
				return nil, err
			}
		}
		for _, s := range r.Examples.NoMatch {
			if err := check(r, s, false); err != nil {
				return nil, err
			}
		}
	}
	return cases, nil
}

// Expectation is what a labelled call must give: NAME.expect.yaml beside
// it. lexicon test compares the hits, score and verdict; lexicon eval the
// greeting and closing verdicts and the families of forbidden phrasing.
type Expectation struct {
	// Hits lists the expected hits in time order; each names its rule and
	// may pin the segment and the matched words.
	Hits []struct {
		Rule    string `yaml:"rule"`
		Segment *int   `yaml:"segment"`
		Matched string `yaml:"matched"`
	} `yaml:"hits"`
	Score  *float64 `yaml:"score"`
	Passed *bool    `yaml:"passed"`

	// Greeting and Closing: did the agent open and close the call
	// properly. Banned: the families (rule categories) of forbidden
	// phrasing the agent said.
	Greeting *bool     `yaml:"greeting"`
	Closing  *bool     `yaml:"closing"`
	Banned   *[]string `yaml:"banned"`
	// Direction (inbound, outbound) and Note document the call.
	Direction string `yaml:"direction"`
	Note      string `yaml:"note"`
}

// Calls runs the sample calls in inputs that have an expectations file and
// compares their hits, score and verdict. It is an error when none has one.
func Calls(e *pipeline.Engine, inputs []string) ([]Case, error) {
	calls, err := source.Find(inputs)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, c := range calls {
		want, ok, err := readExpectation(c)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if want.Hits == nil && want.Score == nil && want.Passed == nil {
			continue // labels for lexicon eval only
		}
		failure := compare(e.Process(c), want)
		if failure != "" { // named, like the examples' failures, so that a line says what to fix
			failure = fmt.Sprintf("call %s (%s): %s", c.ID, expectationPath(c), failure)
		}
		cases = append(cases, Case{Suite: "calls", Name: c.ID, Failure: failure})
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("no sample call in %v has a NAME%s file", inputs, source.ExpectSuffix)
	}
	return cases, nil
}

// compare describes how a call's result differs from what was expected.
func compare(c pipeline.Call, want Expectation) string {
	if c.Err != nil {
		return "the call failed: " + c.Err.Error()
	}
	hits := c.Card.Hits
	var problems []string
	got := make([]string, len(hits))     // as shown
	ruleIDs := make([]string, len(hits)) // as compared
	for i, h := range hits {
		got[i] = describe(h.RuleID, h.SegmentIndex, h.Matched)
		ruleIDs[i] = h.RuleID
	}
	wanted := make([]string, len(want.Hits))
	for i, w := range want.Hits {
		wanted[i] = w.Rule
		if i < len(hits) && hits[i].RuleID == w.Rule {
			h := hits[i]
			if w.Segment != nil && h.SegmentIndex != *w.Segment {
				problems = append(problems, fmt.Sprintf("hit %d (%s): in segment %s, want %d", i+1, w.Rule, describe("", h.SegmentIndex, ""), *w.Segment))
			}
			if w.Matched != "" && h.Matched != w.Matched {
				problems = append(problems, fmt.Sprintf("hit %d (%s): matched %q, want %q", i+1, w.Rule, h.Matched, w.Matched))
			}
		}
	}
	if !slices.Equal(ruleIDs, wanted) {
		problems = append(problems, fmt.Sprintf("hits [%s], want [%s]", strings.Join(got, ", "), strings.Join(wanted, ", ")))
	}
	score, passed := any("null"), any("null")
	if c.Scored() {
		score, passed = c.Card.Score, c.Card.Passed
	}
	if want.Score != nil && (!c.Scored() || c.Card.Score != *want.Score) {
		problems = append(problems, fmt.Sprintf("score %v, want %v", score, *want.Score))
	}
	if want.Passed != nil && (!c.Scored() || c.Card.Passed != *want.Passed) {
		problems = append(problems, fmt.Sprintf("passed %v, want %v", passed, *want.Passed))
	}
	return strings.Join(problems, "; ")
}

// describe names a hit: rule@segment(matched words).
func describe(rule string, segment int, matched string) string {
	s := rule
	if segment >= 0 {
		s += fmt.Sprintf("@%d", segment)
	}
	if matched != "" {
		s += fmt.Sprintf("(%s)", matched)
	}
	return s
}
