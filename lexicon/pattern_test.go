package lexicon

import (
	"slices"
	"strings"
	"testing"
)

var testClasses = map[string][]string{
	"self":     {"我", "我们", "小妹"},
	"particle": {"呢", "哦"},
}

func TestExpand(t *testing.T) {
	tests := []struct {
		pattern string
		want    Pattern
	}{
		{"管不了", Pattern{{Phrases: []string{"管不了"}}}},
		{"这(个|件)?事", Pattern{{Phrases: []string{"这事", "这个事", "这件事"}}}},
		{"{self}管不了{particle}?", Pattern{{Phrases: []string{
			"我管不了", "我管不了呢", "我管不了哦", "我们管不了", "我们管不了呢", "我们管不了哦",
			"小妹管不了", "小妹管不了呢", "小妹管不了哦"}}}},
		{"这 事 {0-4} 管不了", Pattern{{Phrases: []string{"这事"}, GapMin: 0, GapMax: 4}, {Phrases: []string{"管不了"}}}},
		{"不知道{3}((去|找)别人)", Pattern{{Phrases: []string{"不知道"}, GapMax: 3}, {Phrases: []string{"去别人", "找别人"}}}},
		{"((你|您)(自己)?|亲)去问", Pattern{{Phrases: []string{"你去问", "你自己去问", "您去问", "您自己去问", "亲去问"}}}},
	}
	for _, tt := range tests {
		got, err := expand(tt.pattern, testClasses)
		if err != nil {
			t.Errorf("Expand(%q): %v", tt.pattern, err)
			continue
		}
		for i := range got {
			slices.Sort(got[i].Phrases)
		}
		for i := range tt.want {
			slices.Sort(tt.want[i].Phrases)
		}
		if !slices.EqualFunc(got, tt.want, func(a, b Piece) bool {
			return slices.Equal(a.Phrases, b.Phrases) && a.GapMin == b.GapMin && a.GapMax == b.GapMax
		}) {
			t.Errorf("Expand(%q) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	for pattern, want := range map[string]string{
		"":         "empty pattern",
		"(a|b":     "unclosed (",
		"a)b":      "unbalanced",
		"{nope}x":  `no class "nope"`,
		"{0-4}x":   "cannot start with a gap",
		"x{0-4}":   "cannot end with a gap",
		"x{5-2}y":  "gap",
		"x{0-99}y": "gap",
		"(x)?":     "a piece can be empty",
		"a{2}(b)?": "a piece can be empty",
		"(a{2}b)":  "gap cannot stand inside",
		"x?":       "a piece can be empty",
		"{self":    "unclosed {",
		strings.Repeat("(a|b|c|d|e|f|g|h|i|j)", 5): "more than 10000",
	} {
		_, err := expand(pattern, testClasses)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Expand(%q) = %v, want an error containing %q", pattern, err, want)
		}
	}
}

// TestClassesLayer: a later file adds members to a class, and the earlier
// file's patterns use them.
func TestClassesLayer(t *testing.T) {
	base, err := Parse("base.yaml", []byte(`
name: base
classes: {self: [我]}
rules:
  - {id: r, kind: banned, penalty: 1, patterns: ["{self}管不了"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	team, err := parse("team.yaml", []byte(`
name: team
classes: {self: [小妹, 我]}
rules:
  - {id: t, kind: banned, penalty: 1, patterns: ["{self}不清楚{tail}?"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Layer(team); err == nil || !strings.Contains(err.Error(), `no class "tail"`) {
		t.Errorf("a class defined nowhere: %v", err)
	}
	lex, err := Layer(base, team, mustParse(t, "name: tail\nclasses: {tail: [哦]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := lex.Classes["self"]; !slices.Equal(got, []string{"我", "小妹"}) {
		t.Errorf("self = %v", got)
	}
	r := lex.Rules[0]
	if got := r.Expanded()[0][0].Phrases; !slices.Contains(got, "小妹管不了") {
		t.Errorf("the base rule does not use the team's member: %v", got)
	}
	if base.ID() == lex.ID() {
		t.Error("classes do not change the lexicon version")
	}
}

func mustParse(t *testing.T, yaml string) *Lexicon {
	t.Helper()
	l, err := parse("x.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestToleranceAuto(t *testing.T) {
	l, err := Parse("t.yaml", []byte(`
name: t
rules:
  - {id: r, kind: required, penalty: 1, tolerance: auto, phrases: [很高兴为您服务]}
`))
	if err != nil || l.Rules[0].Tolerance != ToleranceAuto {
		t.Fatalf("tolerance auto: %v %v", err, l)
	}
	if _, err := Parse("t.yaml", []byte("name: t\nrules:\n  - {id: r, kind: required, penalty: 1, tolerance: lots, phrases: [x]}\n")); err == nil {
		t.Error("tolerance: lots accepted")
	}
}
