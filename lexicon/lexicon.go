// Package lexicon loads the QA rule set — forbidden phrases, required
// greeting and closing, and the settings the metrics use — from YAML.
package lexicon

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultName is how the embedded lexicon is named in messages.
const DefaultName = "default.yaml (embedded)"

// Rule kinds.
const (
	KindBanned   = "banned"   // the phrases must not be said
	KindRequired = "required" // one of the phrases must be said in the window
)

// Severities. A fatal hit scores the call 0.
const (
	SeverityMinor = "minor"
	SeverityMajor = "major"
	SeverityFatal = "fatal"
)

// Speakers a rule applies to.
const (
	SpeakerAgent    = "agent"
	SpeakerCustomer = "customer"
	SpeakerAny      = "any"
)

// Windows a required rule looks in.
const (
	WindowCall    = "call"    // anywhere in the call
	WindowOpening = "opening" // the first greeting_window_s seconds
	WindowClosing = "closing" // the last closing_window_s seconds
)

// Lexicon is a rule set with the settings it was written for.
type Lexicon struct {
	Name     string   `yaml:"name" json:"name"`
	Version  string   `yaml:"version" json:"version"`
	Settings Settings `yaml:"settings" json:"settings"`
	Rules    []Rule   `yaml:"rules" json:"rules"`
}

// Settings are the thresholds in force; every one has a default.
type Settings struct {
	// PassMark: a call passes with a score at least this (default 80).
	PassMark float64 `yaml:"pass_mark" json:"pass_mark"`
	// GreetingWindowS: the opening window in seconds (default 15).
	GreetingWindowS float64 `yaml:"greeting_window_s" json:"greeting_window_s"`
	// ClosingWindowS: the closing window in seconds before the end (default 30).
	ClosingWindowS float64 `yaml:"closing_window_s" json:"closing_window_s"`
	// GreetingWindowTurns and ClosingWindowTurns are the windows, in the
	// speaker's turns, of transcripts without times (default 2 each).
	GreetingWindowTurns int `yaml:"greeting_window_turns" json:"greeting_window_turns"`
	ClosingWindowTurns  int `yaml:"closing_window_turns" json:"closing_window_turns"`
	// DeadAirMinS: a silence at least this long is dead air (default 5).
	DeadAirMinS float64 `yaml:"dead_air_min_s" json:"dead_air_min_s"`
	// OvertalkMinS: an overlap at least this long is overtalk (default 1).
	OvertalkMinS float64 `yaml:"overtalk_min_s" json:"overtalk_min_s"`
	// BackchannelMaxS: a cut-in turn shorter than this is a backchannel, not
	// an interruption (default 0.5).
	BackchannelMaxS float64 `yaml:"backchannel_max_s" json:"backchannel_max_s"`

	// VADOnMarginDB: a frame at least this far above the channel's noise
	// floor (and 4 standard deviations of the noise) starts speech (default 3).
	VADOnMarginDB float64 `yaml:"vad_on_margin_db" json:"vad_on_margin_db"`
	// VADOffMarginDB: speech goes on while frames stay this far (and 2
	// noise standard deviations) above the floor (default 1.5).
	VADOffMarginDB float64 `yaml:"vad_off_margin_db" json:"vad_off_margin_db"`
	// VADMinSpeechS: shorter bursts are not speech (default 0.1).
	VADMinSpeechS float64 `yaml:"vad_min_speech_s" json:"vad_min_speech_s"`
	// VADMinSilenceS: shorter pauses inside speech are bridged (default 0.3).
	VADMinSilenceS float64 `yaml:"vad_min_silence_s" json:"vad_min_silence_s"`
	// ClippingWarnRatio: warn when more of a channel's samples are clipped
	// (default 0.001).
	ClippingWarnRatio float64 `yaml:"clipping_warn_ratio" json:"clipping_warn_ratio"`
	// DCOffsetWarn: warn when a channel's mean is further from zero, in
	// full-scale units (default 0.02).
	DCOffsetWarn float64 `yaml:"dc_offset_warn" json:"dc_offset_warn"`
}

// DefaultSettings apply where a file does not set a value.
var DefaultSettings = Settings{
	PassMark:        80,
	GreetingWindowS: 15,
	ClosingWindowS:  30,

	GreetingWindowTurns: 2,
	ClosingWindowTurns:  2,
	DeadAirMinS:         5,
	OvertalkMinS:        1,
	BackchannelMaxS:     0.5,

	VADOnMarginDB:     3,
	VADOffMarginDB:    1.5,
	VADMinSpeechS:     0.1,
	VADMinSilenceS:    0.3,
	ClippingWarnRatio: 0.001,
	DCOffsetWarn:      0.02,
}

// Rule is one check on what is said.
type Rule struct {
	ID          string `yaml:"id" json:"id"`
	Kind        string `yaml:"kind" json:"kind"`
	Category    string `yaml:"category" json:"category"`
	Severity    string `yaml:"severity" json:"severity"`
	Description string `yaml:"description" json:"-"`
	// Penalty is deducted from the score for each hit.
	Penalty float64 `yaml:"penalty" json:"penalty"`
	// Cap limits the rule's total deduction in one call (0: no cap).
	Cap float64 `yaml:"cap" json:"cap"`
	// Speaker whose words the rule checks (default agent).
	Speaker string `yaml:"speaker" json:"speaker"`
	// Window for required rules (default call).
	Window  string   `yaml:"window" json:"window"`
	Phrases []string `yaml:"phrases" json:"phrases"`
	// Examples document the rule and are tested: sentences that must hit
	// and near-misses that must not.
	Examples Examples `yaml:"examples" json:"-"`
}

// Examples are sentences that show what a rule does.
type Examples struct {
	Match   []string `yaml:"match"`
	NoMatch []string `yaml:"no_match"`
}

// Default returns the embedded default zh-CN lexicon.
func Default() (*Lexicon, error) {
	return Parse(DefaultName, defaultYAML)
}

// Load reads a lexicon file.
func Load(path string) (*Lexicon, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// MaxSize caps a lexicon file.
const MaxSize = 8 << 20

// Parse reads a lexicon from YAML; name is used in error messages, which
// read "name:line: ...".
func Parse(name string, data []byte) (*Lexicon, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d MB", name, MaxSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty lexicon", name)
	}
	lex := &Lexicon{Settings: DefaultSettings}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(lex); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := lex.validate(name, findLines(&root)); err != nil {
		return nil, err
	}
	return lex, nil
}

// lines records where the top-level keys, each rule and each of its fields
// stand, so that errors point at the text to fix.
type lines struct {
	top   map[string]int
	rules []map[string]int
}

func findLines(root *yaml.Node) lines {
	ls := lines{top: map[string]int{}}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return ls
	}
	doc := root.Content[0]
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		ls.top[key.Value] = key.Line
		if key.Value != "rules" || val.Kind != yaml.SequenceNode {
			continue
		}
		for _, r := range val.Content {
			m := map[string]int{"": r.Line}
			for j := 0; j+1 < len(r.Content); j += 2 {
				m[r.Content[j].Value] = r.Content[j].Line
			}
			ls.rules = append(ls.rules, m)
		}
	}
	return ls
}

// line is where rule i's field stands (i < 0: a top-level key).
func (ls lines) line(i int, field string) int {
	if i < 0 {
		return ls.top[field]
	}
	if i >= len(ls.rules) {
		return 0
	}
	if l, ok := ls.rules[i][field]; ok {
		return l
	}
	return ls.rules[i][""]
}

func (l *Lexicon) validate(name string, at lines) error {
	var errs []error
	fail := func(i int, field, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if i >= 0 {
			msg = fmt.Sprintf("rule %d (%q): %s: %s", i+1, l.Rules[i].ID, field, msg)
		}
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, at.line(i, field), msg))
	}
	if l.Name == "" {
		fail(-1, "name", "the lexicon needs a name")
	}
	if len(l.Rules) == 0 {
		fail(-1, "rules", "no rules")
	}
	s := l.Settings
	for field, v := range map[string]float64{
		"pass_mark": s.PassMark, "greeting_window_s": s.GreetingWindowS, "closing_window_s": s.ClosingWindowS,
		"dead_air_min_s": s.DeadAirMinS, "overtalk_min_s": s.OvertalkMinS, "backchannel_max_s": s.BackchannelMaxS,
		"vad_min_speech_s": s.VADMinSpeechS, "vad_min_silence_s": s.VADMinSilenceS,
		"clipping_warn_ratio": s.ClippingWarnRatio, "dc_offset_warn": s.DCOffsetWarn,
		"greeting_window_turns": float64(s.GreetingWindowTurns), "closing_window_turns": float64(s.ClosingWindowTurns),
	} {
		if v < 0 {
			fail(-1, "settings", "%s must not be negative", field)
		}
	}
	if s.VADOnMarginDB <= 0 || s.VADOffMarginDB <= 0 || s.VADOffMarginDB > s.VADOnMarginDB {
		fail(-1, "settings", "vad margins must be positive, the off margin at most the on margin")
	}
	seen := map[string]int{}
	for i := range l.Rules {
		r := &l.Rules[i]
		if r.Speaker == "" {
			r.Speaker = SpeakerAgent
		}
		if r.Window == "" {
			r.Window = WindowCall
		}
		if r.Severity == "" {
			r.Severity = SeverityMajor
		}
		switch {
		case r.ID == "":
			fail(i, "id", "missing")
		case seen[r.ID] > 0:
			fail(i, "id", "duplicate of rule %d", seen[r.ID])
		default:
			seen[r.ID] = i + 1
		}
		oneOf := func(field, v string, allowed ...string) {
			if !slices.Contains(allowed, v) {
				fail(i, field, "%q is not one of %s", v, strings.Join(allowed, ", "))
			}
		}
		oneOf("kind", r.Kind, KindBanned, KindRequired)
		oneOf("severity", r.Severity, SeverityMinor, SeverityMajor, SeverityFatal)
		oneOf("speaker", r.Speaker, SpeakerAgent, SpeakerCustomer, SpeakerAny)
		oneOf("window", r.Window, WindowCall, WindowOpening, WindowClosing)
		if r.Kind == KindBanned && r.Window != WindowCall {
			fail(i, "window", "a banned rule applies to the whole call")
		}
		if r.Penalty < 0 || r.Cap < 0 {
			fail(i, "penalty", "penalty and cap must not be negative")
		}
		if len(r.Phrases) == 0 {
			fail(i, "phrases", "a rule needs at least one phrase")
		}
		for _, p := range r.Phrases {
			if strings.TrimSpace(p) == "" {
				fail(i, "phrases", "empty phrase")
			}
		}
	}
	return errors.Join(errs...)
}

// ID is a stable identifier of the rules and settings in force:
// "name@version+hash". Any change that can change a result changes the
// hash; descriptions and examples do not.
func (l *Lexicon) ID() string {
	canon, _ := json.Marshal(struct {
		Settings Settings `json:"settings"`
		Rules    []Rule   `json:"rules"`
	}{l.Settings, l.Rules})
	sum := sha256.Sum256(canon)
	return fmt.Sprintf("%s@%s+%s", l.Name, l.Version, hex.EncodeToString(sum[:6]))
}

// Phrases lists every phrase of every rule, for the segmenter's dictionary.
func (l *Lexicon) Phrases() []string {
	var out []string
	for _, r := range l.Rules {
		out = append(out, r.Phrases...)
	}
	return out
}
