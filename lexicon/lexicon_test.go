package lexicon

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	lex, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if lex.Settings != DefaultSettings {
		t.Errorf("default lexicon settings %+v differ from DefaultSettings %+v", lex.Settings, DefaultSettings)
	}
	kinds := map[string]int{}
	for _, r := range lex.Rules {
		kinds[r.Kind]++
		if r.Kind != KindAudio && r.Kind != KindSimilar && (len(r.Examples.Match) == 0 || len(r.Examples.NoMatch) == 0) {
			t.Errorf("rule %s has no examples of both kinds", r.ID)
		}
	}
	if kinds[KindBanned] == 0 || kinds[KindRequired] < 2 || kinds[KindConditional] < 2 || kinds[KindAudio] < 4 {
		t.Errorf("rule kinds %v", kinds)
	}
}

const minimal = `name: team
version: "1"
rules:
  - id: r1
    kind: banned
    category: x
    penalty: 5
    phrases: [不行]
`

func TestParseDefaultsFilled(t *testing.T) {
	lex, err := Parse("team.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	r := lex.Rules[0]
	if r.Speaker != SpeakerAgent || r.Window.Name != WindowCall || r.Severity != SeverityMajor {
		t.Errorf("defaults not filled: %+v", r)
	}
	if lex.Settings.PassMark != 80 || lex.Settings.DeadAirMinS != 5 {
		t.Errorf("settings %+v", lex.Settings)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, errLike string }{
		{"", "f.yaml: empty lexicon"},
		{"name: x\nrules: [", "f.yaml:2: did not find expected node content"},
		{"name: x\nsettings:\n  pass_mark: 80\n  dead_air: 3\n", "f.yaml:4: settings.dead_air: unknown field; did you mean dead_air_min_s?"},
		{minimal + "    colour: red\n", `f.yaml:9: rule 1 ("r1"): colour: unknown field`},
		{strings.Replace(minimal, "kind: banned", "kind: forbidden", 1), `f.yaml:5: rule 1 ("r1"): kind: "forbidden" is not one of banned, required`},
		{strings.Replace(minimal, "phrases: [不行]", "phrases: []", 1), `f.yaml:8: rule 1 ("r1"): phrases: a rule needs phrases, patterns, all_of or near`},
		{strings.Replace(minimal, "penalty: 5", "penalty: -5", 1), `f.yaml:7: rule 1 ("r1"): penalty: penalty and cap must be from 0 to 100 points, not -5 and 0`},
		{minimal + "  - id: r1\n    kind: banned\n    phrases: [a]\n", `f.yaml:9: rule 2 ("r1"): id: duplicate of rule 1`},
		{minimal + "    window: opening\n", "only required rules have a window"},
		{strings.Replace(minimal, "name: team", "name: ''", 1), "needs a name"},
		{"name: x\nrules: []\n", "f.yaml:2: rules: none: a file needs rules"},
		{strings.Replace(minimal, "version: \"1\"", "version: \"1\"\nsettings: {pass_mark: -1}", 1), "f.yaml:3: settings.pass_mark: -1 is out of range (at least 0 and at most 100)"},
		{"name: x\nrules:\n  - {id: r, kind: required, penalty: 1, phrases: [a], window: {first_min: 3}}\n", `f.yaml:3: rule 1 ("r"): window.first_min: unknown field (first_s, last_s, first_turns, last_turns); did you mean first_s?`},
		{"name: x\nrules:\n  - {id: r, kind: required, penalty: 1, phrases: [a], window: {first_s: -3}}\n", "first_s must be positive"},
		{"name: x\nrules:\n  - {id: r, kind: required, penalty: 1, phrases: [a], window: weekly}\n", `window: "weekly" is not one of`},
		{"name: x\nrules:\n  - {id: r, kind: conditional, penalty: 1, phrases: [a]}\n", "a conditional rule needs when"},
		{"name: x\nrules:\n  - {id: r, kind: required, penalty: 1, phrases: [a], when: {phrases: [b]}}\n", "only conditional, short_reply and banned rules have a trigger"},
		{"name: x\nrules:\n  - {id: r, kind: short_reply, penalty: 1}\n", "a short_reply rule needs when"},
		{"name: x\nrules:\n  - {id: r, kind: short_reply, penalty: 1, when: {phrases: [吗]}, phrases: [嗯]}\n", "a short_reply rule has no phrases"},
		{"name: x\nrules:\n  - {id: r, kind: banned, penalty: 1, phrases: [a], max_chars: 1}\n", "only for short_reply rules"},
		{"name: x\nrules:\n  - {id: r, kind: short_reply, penalty: 1, when: {phrases: [吗]}, max_chars: -1}\n", "max_chars"},
		{"name: x\nrules:\n  - {id: r, kind: banned, penalty: 1, phrases: [a], tolerance: 1}\n", "tolerance: 0 to 2 or auto, and only for required rules"},
		{"name: x\nrules:\n  - {id: r, kind: banned, penalty: 1, near: [{a: [x], within: 2}]}\n", "near: each entry needs a"},
		{"name: x\nrules:\n  - {id: r, kind: banned, penalty: 1, all_of: [[x]]}\n", "all_of: each group needs two or more phrases"},
		{"name: x\nrules:\n  - {id: r, kind: required, penalty: 1, all_of: [[x, y]]}\n", "all_of and near are for banned rules"},
		{"name: x\nrules:\n  - {id: r, kind: audio, metric: loudness, penalty: 1}\n", `metric: "loudness" is not one of dead_air`},
		{"name: x\nrules:\n  - {id: r, kind: audio, metric: agent_talk_ratio, penalty: 1}\n", "agent_talk_ratio needs min or max"},
		{"name: x\nrules:\n  - {id: r, kind: audio, metric: dead_air, max: 3, penalty: 1}\n", "it has no max"},
		{"name: x\nrules:\n  - {id: r, kind: audio, metric: dead_air, phrases: [a], penalty: 1}\n", "an audio rule has no phrases"},
		{"name: x\nrules:\n  - {id: r, kind: banned, metric: dead_air, phrases: [a], penalty: 1}\n", "only audio rules have metric"},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.errLike) {
			t.Errorf("Parse(%q):\n error %v\n want one containing %q", tt.in, err, tt.errLike)
		}
	}
}

func TestID(t *testing.T) {
	a, _ := Parse("a", []byte(minimal))
	b, _ := Parse("b", []byte(minimal+"    description: only words\n    examples: {match: [不行]}\n"))
	c, _ := Parse("c", []byte(strings.Replace(minimal, "penalty: 5", "penalty: 6", 1)))
	if a.ID() != b.ID() {
		t.Errorf("description and examples changed the id: %s vs %s", a.ID(), b.ID())
	}
	if a.ID() == c.ID() {
		t.Errorf("a penalty change kept the id %s", a.ID())
	}
	if !strings.HasPrefix(a.ID(), "team@1+") {
		t.Errorf("id %s", a.ID())
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add(defaultYAML)
	f.Add([]byte("name: x\nrules:\n  - {id: r, kind: required, penalty: 1, phrases: [您好], window: {last_turns: 2}, tolerance: 1}\n"))
	f.Add([]byte("name: x\ndisable: [a]\nrules:\n  - {id: c, kind: conditional, when: {phrases: [投诉]}, within: {turns: 1, seconds: 9}, phrases: [抱歉]}\n"))
	f.Add([]byte("name: x\nrules:\n  - {id: s, kind: short_reply, when: {phrases: [吗]}, max_chars: 2}\n  - {id: b, kind: banned, when: {phrases: [投诉]}, phrases: [再见]}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		lex, err := Parse("fuzz.yaml", b)
		if err != nil {
			return
		}
		for _, r := range lex.Rules {
			if r.ID == "" || len(r.Phrases) == 0 && len(r.Expanded()) == 0 && len(r.AllOf) == 0 && len(r.Near) == 0 && r.Kind != KindAudio && r.Kind != KindShortReply && r.Kind != KindSimilar ||
				r.Kind == KindSimilar && r.Category == "" {
				t.Fatalf("invalid rule accepted: %+v", r)
			}
		}
	})
}

// TestDefaultCitesNoMachinePaths: the default lexicon cites its sources by
// public title or by a file of the repository (issue 22): no absolute path
// or path outside the repository, and every repository path it names
// exists.
func TestDefaultCitesNoMachinePaths(t *testing.T) {
	data, err := os.ReadFile("default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if m := regexp.MustCompile(`(^|[\s(:])(/(work|tmp|home|root|usr|var|mnt|Users)/\S*|\.\./\S*|[A-Za-z]:\\\S*|~/\S*)`).FindString(text); m != "" {
		t.Errorf("default.yaml names a machine path: %q", strings.TrimSpace(m))
	}
	for _, m := range regexp.MustCompile(`\b(?:lexicon|testdata|docs)/[\w./-]*\w/?`).FindAllString(text, -1) {
		if _, err := os.Stat(filepath.Join("..", m)); err != nil {
			t.Errorf("default.yaml cites %s, which is not in the repository", m)
		}
	}
}
