package score

import (
	"slices"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/rules"
)

func lex(t *testing.T) *lexicon.Lexicon {
	t.Helper()
	l, err := lexicon.Parse("s.yaml", []byte(`
name: s
settings: {pass_mark: 85}
rules:
  - {id: a, kind: banned, penalty: 10, cap: 25, phrases: [x]}
  - {id: b, kind: banned, penalty: 4, phrases: [y]}
  - {id: f, kind: banned, severity: fatal, penalty: 1, phrases: [z]}
`))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func hits(ids ...string) []rules.Hit {
	var out []rules.Hit
	for _, id := range ids {
		out = append(out, rules.Hit{RuleID: id})
	}
	return out
}

func TestApply(t *testing.T) {
	tests := []struct {
		name      string
		hits      []rules.Hit
		score     float64
		passed    bool
		penalties []float64
	}{
		{"none", nil, 100, true, []float64{}},
		{"one", hits("b"), 96, true, []float64{4}},
		{"below pass mark", hits("a", "b", "b"), 82, false, []float64{10, 4, 4}},
		{"cap", hits("a", "a", "a", "a"), 75, false, []float64{10, 10, 5, 0}},
		{"fatal", hits("b", "f"), 0, false, []float64{4, 1}},
		{"floor at 0", hits("a", "a", "a", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b", "b"), 0, false, nil},
		{"unknown rule costs nothing", hits("gone"), 100, true, []float64{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Apply(tt.hits, lex(t))
			if c.Score != tt.score || c.Passed != tt.passed {
				t.Errorf("score %v passed %v, want %v %v", c.Score, c.Passed, tt.score, tt.passed)
			}
			if tt.penalties != nil && !slices.Equal(penalties(c), tt.penalties) {
				t.Errorf("penalties %v, want %v", penalties(c), tt.penalties)
			}
		})
	}
}

func TestBreakdown(t *testing.T) {
	l := lex(t)
	hs := hits("b", "a", "a", "a", "f")
	got := Breakdown(Apply(hs, l).Hits, l)
	want := []RuleCost{
		{RuleID: "b", Hits: 1, Points: 4},
		{RuleID: "a", Hits: 3, Points: 25, Cap: 25, Capped: true},
		{RuleID: "f", Hits: 1, Points: 1, Fatal: true},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Breakdown = %+v, want %+v", got, want)
	}
}

func penalties(c Card) []float64 {
	out := []float64{}
	for _, h := range c.Hits {
		out = append(out, h.Penalty)
	}
	return out
}
