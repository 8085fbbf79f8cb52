// Package lexcheck is the CI gate for rule changes: it runs every rule's
// examples and the sample calls that carry expected hits, and lints a
// lexicon for rules that cannot work as written.
package lexcheck

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/discover"
	"github.com/callqa/callqa/pipeline/normalize"
	"github.com/callqa/callqa/pipeline/rules"
	"github.com/callqa/callqa/pipeline/segment"
)

// Case is one check: passed when Failure is empty.
type Case struct {
	Suite, Name string
	Failure     string
}

// Examples checks every example sentence of every rule: "match" sentences
// must match the rule, "no_match" ones must not.
func Examples(lex *lexicon.Lexicon, m *rules.Matcher, seg *segment.Segmenter) []Case {
	var cases []Case
	for _, r := range lex.Rules {
		check := func(s string, want bool) {
			c := Case{Suite: "rule " + r.ID, Name: fmt.Sprintf("%q", s)}
			if got := m.Finds(r.ID, s, seg); got != want {
				verb := "should match but does not"
				if !want {
					verb = "should not match but does"
				}
				c.Failure = fmt.Sprintf("rule %s: %q %s (words: %s)", r.ID, s, verb, words(seg, s))
			}
			cases = append(cases, c)
		}
		for _, s := range r.Examples.Match {
			check(s, true)
		}
		for _, s := range r.Examples.NoMatch {
			check(s, false)
		}
	}
	return cases
}

// words shows how jieba cut a sentence, to explain a failure.
func words(seg *segment.Segmenter, s string) string {
	norm := normalize.New(s).Norm
	var out []string
	for _, t := range seg.Cut(norm) {
		out = append(out, t.Text)
	}
	return strings.Join(out, "/")
}

// Expectation is what a sample call must give: NAME.expect.yaml beside it.
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
}

// ExpectSuffix names the expectations file of call NAME: NAME.expect.yaml.
const ExpectSuffix = ".expect.yaml"

// Calls runs the sample calls in inputs that have an expectations file and
// compares their hits, score and verdict. It is an error when none has one.
func Calls(e *pipeline.Engine, inputs []string) ([]Case, error) {
	calls, err := discover.Find(inputs)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, c := range calls {
		path := cmp.Or(c.TranscriptPath, c.AudioPath)
		expectPath := filepath.Join(filepath.Dir(path), c.ID+ExpectSuffix)
		data, err := os.ReadFile(expectPath)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var want Expectation
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&want); err != nil {
			return nil, fmt.Errorf("%s: %w", expectPath, err)
		}
		cases = append(cases, Case{Suite: "calls", Name: c.ID, Failure: compare(e.Process(c), want)})
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("no sample call in %v has a NAME%s file", inputs, ExpectSuffix)
	}
	return cases, nil
}

// compare describes how a call's result differs from what was expected.
func compare(r pipeline.Result, want Expectation) string {
	if r.Call.Error != nil {
		return "the call failed: " + *r.Call.Error
	}
	var problems []string
	got := make([]string, len(r.Hits))     // as shown
	ruleIDs := make([]string, len(r.Hits)) // as compared
	for i, h := range r.Hits {
		got[i] = describe(h.RuleID, h.SegmentIndex, h.Matched)
		ruleIDs[i] = h.RuleID
	}
	wanted := make([]string, len(want.Hits))
	for i, w := range want.Hits {
		wanted[i] = w.Rule
		if i < len(r.Hits) && r.Hits[i].RuleID == w.Rule {
			h := r.Hits[i]
			if w.Segment != nil && (h.SegmentIndex == nil || *h.SegmentIndex != int32(*w.Segment)) {
				problems = append(problems, fmt.Sprintf("hit %d (%s): in segment %s, want %d", i+1, w.Rule, describe("", h.SegmentIndex, nil), *w.Segment))
			}
			if w.Matched != "" && (h.Matched == nil || *h.Matched != w.Matched) {
				problems = append(problems, fmt.Sprintf("hit %d (%s): matched %q, want %q", i+1, w.Rule, deref(h.Matched), w.Matched))
			}
		}
	}
	if !slices.Equal(ruleIDs, wanted) {
		problems = append(problems, fmt.Sprintf("hits [%s], want [%s]", strings.Join(got, ", "), strings.Join(wanted, ", ")))
	}
	if want.Score != nil && (r.Call.Score == nil || *r.Call.Score != *want.Score) {
		problems = append(problems, fmt.Sprintf("score %v, want %v", deref(r.Call.Score), *want.Score))
	}
	if want.Passed != nil && (r.Call.Passed == nil || *r.Call.Passed != *want.Passed) {
		problems = append(problems, fmt.Sprintf("passed %v, want %v", deref(r.Call.Passed), *want.Passed))
	}
	return strings.Join(problems, "; ")
}

func describe(rule string, segment *int32, matched *string) string {
	s := rule
	if segment != nil {
		s += fmt.Sprintf("@%d", *segment)
	}
	if matched != nil {
		s += fmt.Sprintf("(%s)", *matched)
	}
	return s
}

func deref[T any](p *T) any {
	if p == nil {
		return "null"
	}
	return *p
}
