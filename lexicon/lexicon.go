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
	"iter"
	"maps"
	"math"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultYAML []byte

// defaultName is how the embedded lexicon is named in messages.
const defaultName = "default.yaml (embedded)"

// Rule kinds.
const (
	KindBanned   = "banned"   // the phrases must not be said
	KindRequired = "required" // one of the phrases must be said in the window
	// KindConditional: when the other party says a trigger (When), the
	// speaker must say one of the phrases within a few turns or seconds.
	KindConditional = "conditional"
	// KindShortReply: when the other party asks (When), the speaker's next
	// turn has at most MaxChars characters: a one-word or empty answer to
	// a question. It is a fault of how much is said, not of a phrase.
	KindShortReply = "short_reply"
	// KindAudio: a measure of the recording — dead air, overtalk, agent
	// interruptions, the agent's talk ratio or speech rate — out of bounds.
	KindAudio = "audio"
	// KindSimilar turns on the similarity model (see Lexicon.Model) for
	// the family named by Category: an agent turn the exact rules pass but
	// the model scores as that family, at or above its threshold (or
	// MinScore), is a hit.
	KindSimilar = "similar"
)

// Forbidden reports whether hits of a kind are forbidden phrasing: the
// exact rules' and the similarity model's.
func Forbidden(kind string) bool { return kind == KindBanned || kind == KindSimilar }

// Audio metrics.
const (
	MetricDeadAir           = "dead_air"           // each silence of at least min (default dead_air_min_s)
	MetricOvertalk          = "overtalk"           // each overtalk episode of at least min (default overtalk_min_s)
	MetricAgentInterruption = "agent_interruption" // each overtalk the agent started (not a backchannel)
	MetricAgentTalkRatio    = "agent_talk_ratio"   // agent talk / (agent + customer talk) below min or above max
	MetricAgentSpeechRate   = "agent_speech_rate"  // agent characters per minute below min or above max
)

// audioMetrics lists the metrics of audio rules.
var audioMetrics = []string{MetricDeadAir, MetricOvertalk, MetricAgentInterruption, MetricAgentTalkRatio, MetricAgentSpeechRate}

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
	// Classes are named word classes that patterns use as {name}: how an
	// agent names itself, addresses the customer, ends a sentence. A file
	// layered on another adds members to its classes.
	Classes map[string][]string `yaml:"classes" json:"classes,omitempty"`
	// Extends says what the file is layered on: "default" (the embedded
	// lexicon, which Load then layers below it) or "none" (it stands
	// alone). Without it, a file named first replaces the default, with a
	// note.
	Extends string `yaml:"extends" json:"-"`
	// Disable turns off rules of the lexicons this one is layered on.
	Disable []string `yaml:"disable" json:"-"`
	// Model is the similarity model file that similar rules use, relative
	// to the lexicon file: built by callqa lexicon train for this
	// lexicon's name and version.
	Model string `yaml:"model" json:"-"`
	Rules []Rule `yaml:"rules" json:"rules"`

	// Notes are what a user should know about how the files were layered
	// (a file that replaces the default); the CLI prints them on stderr.
	Notes []string `yaml:"-" json:"-"`

	model    *ModelRef  // the model named by this file or the last layer that names one
	file     string     // the file's name, for messages
	at       lines      // where things stand in the file
	settings *yaml.Node // as written, to layer onto another lexicon's
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

	// VADOnMarginDB: a frame this far above the channel's noise floor, in
	// its best band (whole, below or above 1 kHz), starts activity
	// (default 4: chosen by cross-validation on labelled speech).
	VADOnMarginDB float64 `yaml:"vad_on_margin_db" json:"vad_on_margin_db"`
	// VADOffMarginDB: activity goes on while frames stay this far above the
	// floor (default 1.5).
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

	VADOnMarginDB:     4,
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
	// Window for required rules (default: the whole call).
	Window Window `yaml:"window" json:"window"`
	// Phrases: any one of them matches.
	Phrases []string `yaml:"phrases" json:"phrases"`
	// Patterns: any one of them matches (see Pattern for how they are
	// written).
	Patterns []string `yaml:"patterns" json:"patterns,omitempty"`
	// WholeReply, when set, makes a match count only when it is (nearly)
	// the whole utterance: at most this many characters of the normalized
	// utterance stand outside it. For short words that are a fault only on
	// their own (不知道, 不行) and harmless inside a helpful sentence.
	WholeReply *int `yaml:"whole_reply" json:"whole_reply,omitempty"`
	// AllOf: each group matches when all its phrases are in one utterance.
	AllOf [][]string `yaml:"all_of" json:"all_of"`
	// Near: a phrase of A within Within characters of a phrase of B.
	Near []Near `yaml:"near" json:"near"`
	// Exceptions cancel a match they contain: 不麻烦 and 麻烦您 for 麻烦.
	Exceptions []string `yaml:"exceptions" json:"exceptions"`
	// Tolerance lets a required phrase of 5 or more characters match with
	// this many characters dropped, added or changed (ASR damage); "auto"
	// (ToleranceAuto) scales it with the phrase's length.
	Tolerance Tolerance `yaml:"tolerance" json:"tolerance"`
	// When is the trigger of a conditional or short_reply rule, Within
	// its deadline. On a banned rule it limits the rule to the speaker's
	// answers to the trigger (by default the next turn): a closing right
	// after a complaint nobody answered.
	When *Trigger `yaml:"when" json:"when,omitempty"`
	// UnlessNext cancels a banned rule's hit when the speaker's next turn
	// says one of these: a bare 这是规定 followed by 不过我可以帮您申请 is
	// no hit.
	UnlessNext []string `yaml:"unless_next" json:"unless_next,omitempty"`
	// MaxChars is how long a short_reply answer may be and still be a
	// fault, in characters (letters and digits; default 1).
	MaxChars *int `yaml:"max_chars" json:"max_chars,omitempty"`
	// MinScore is the least similarity score of a similar rule's hit
	// (default: the family's threshold in the model, chosen in training).
	MinScore *float64 `yaml:"min_score" json:"min_score,omitempty"`
	// Metric, Min and Max define an audio rule: episodes of the metric at
	// least Min long, or a call value below Min or above Max.
	Metric string   `yaml:"metric" json:"metric,omitempty"`
	Min    *float64 `yaml:"min" json:"min,omitempty"`
	Max    *float64 `yaml:"max" json:"max,omitempty"`
	Within Within   `yaml:"within" json:"within"`
	// Examples document the rule and are tested: sentences that must hit
	// and near-misses that must not.
	Examples Examples `yaml:"examples" json:"-"`

	expanded []Pattern // Patterns with the classes in force
}

// Expanded are the rule's patterns, expanded with the lexicon's classes.
func (r *Rule) Expanded() []Pattern { return r.expanded }

// Tolerance is how many characters of ASR damage a required phrase may
// carry; ToleranceAuto scales it with the phrase's length.
type Tolerance int

// ToleranceAuto is tolerance: auto.
const ToleranceAuto Tolerance = -1

// UnmarshalYAML reads a number or "auto".
func (t *Tolerance) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "auto" {
		*t = ToleranceAuto
		return nil
	}
	var v int
	if err := n.Decode(&v); err != nil {
		return lineError(n, "tolerance: a number of characters (0 to 2) or auto")
	}
	*t = Tolerance(v)
	return nil
}

// Near is a proximity condition.
type Near struct {
	A      []string `yaml:"a" json:"a"`
	B      []string `yaml:"b" json:"b"`
	Within int      `yaml:"within" json:"within"` // characters between them, at most
}

// Trigger is what starts a conditional rule: one of the phrases said by
// the speaker (default customer).
type Trigger struct {
	Speaker string   `yaml:"speaker" json:"speaker"`
	Phrases []string `yaml:"phrases" json:"phrases"`
	// AnsweredBy, on a banned rule, are what answers the trigger: once the
	// rule's speaker said one of them (in the hit's turn or one between),
	// the rule no longer fires — a sales offer after an apology is no
	// longer an offer over an open complaint.
	AnsweredBy []string `yaml:"answered_by" json:"answered_by,omitempty"`
}

// Within is a conditional rule's deadline: the speaker's next Turns turns,
// and (in timed transcripts) Seconds after the trigger ends; 0 for no limit
// of that kind. Default: 2 turns.
type Within struct {
	Turns   int     `yaml:"turns" json:"turns"`
	Seconds float64 `yaml:"seconds" json:"seconds"`
}

// Window is where a required rule looks: "call", "opening" (the first
// greeting_window_s, or greeting_window_turns without times), "closing"
// (likewise), or explicit {first_s: 10}, {last_s: 20}, {first_turns: 2},
// {last_turns: 2}.
type Window struct {
	Name       string  `json:"name"`
	FirstS     float64 `json:"first_s"`
	LastS      float64 `json:"last_s"`
	FirstTurns int     `json:"first_turns"`
	LastTurns  int     `json:"last_turns"`
}

// windowFields are the fields of an explicit window.
var windowFields = []string{"first_s", "last_s", "first_turns", "last_turns"}

// UnmarshalYAML reads a window name or an explicit window.
func (w *Window) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		w.Name = n.Value
		return nil
	}
	var m map[string]float64
	if err := n.Decode(&m); err != nil {
		return lineError(n, "window: a name (call, opening, closing) or {first_s|last_s|first_turns|last_turns: N}")
	}
	if len(m) != 1 {
		return lineError(n, "window: exactly one of first_s, last_s, first_turns, last_turns")
	}
	for k, v := range m {
		switch k {
		case "first_s":
			w.FirstS = v
		case "last_s":
			w.LastS = v
		case "first_turns":
			w.FirstTurns = int(v)
		case "last_turns":
			w.LastTurns = int(v)
		default:
			msg := fmt.Sprintf("window.%s: unknown field (first_s, last_s, first_turns, last_turns)", k)
			if near := nearest(k, slices.Values(windowFields)); near != "" {
				msg += fmt.Sprintf("; did you mean %s?", near)
			}
			return lineError(n, msg)
		}
		if !inRange(v, math.SmallestNonzeroFloat64, day) {
			return lineError(n, fmt.Sprintf("window: %s must be positive (at most %d)", k, day))
		}
	}
	w.Name = "explicit"
	return nil
}

// Examples are sentences that show what a rule does.
type Examples struct {
	Match   []string `yaml:"match"`
	NoMatch []string `yaml:"no_match"`
}

// Default returns the embedded default zh-CN lexicon.
func Default() (*Lexicon, error) {
	return Parse(defaultName, defaultYAML)
}

// resolve expands every pattern with the classes in force, naming the
// rule of a pattern that cannot be expanded.
func (l *Lexicon) resolve(name string) error {
	var errs []error
	for i := range l.Rules {
		r := &l.Rules[i]
		r.expanded = nil
		for _, src := range r.Patterns {
			p, err := expand(src, l.Classes)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: rule %q: %w", name, r.ID, err))
				continue
			}
			r.expanded = append(r.expanded, p)
		}
	}
	return errors.Join(errs...)
}

// defaultRef names the embedded lexicon among files to Load.
const defaultRef = "default"

// What a file says it extends.
const (
	ExtendsDefault = "default" // layered on the embedded lexicon
	ExtendsNone    = "none"    // stands alone
)

// Load reads lexicon files and layers them in order (see Layer). The name
// "default" stands for the embedded lexicon; no names at all mean it alone.
// A file that says "extends: default" is layered on the default even when
// the default is not named. A file named first that says nothing replaces
// the default: the result's Notes say so, since its rules are all off.
func Load(paths ...string) (*Lexicon, error) {
	if len(paths) == 0 {
		return Default()
	}
	lexs := make([]*Lexicon, len(paths))
	defaultAt, extendsAt := -1, -1
	for i, p := range paths {
		var err error
		if p == defaultRef {
			lexs[i], err = Default()
			if defaultAt < 0 {
				defaultAt = i
			}
		} else {
			var data []byte
			if data, err = readFile(p); err == nil {
				lexs[i], err = parse(p, data)
			}
			if err == nil && lexs[i].Extends == ExtendsDefault && extendsAt < 0 {
				extendsAt = i
			}
		}
		if err != nil {
			return nil, err
		}
	}
	var notes []string
	switch first := lexs[0]; {
	case extendsAt >= 0 && defaultAt < 0:
		def, err := Default()
		if err != nil {
			return nil, err
		}
		lexs = append([]*Lexicon{def}, lexs...)
	case extendsAt >= 0 && defaultAt > extendsAt:
		l := lexs[extendsAt]
		return nil, fmt.Errorf("%s: extends: default, but --lexicon default comes after it: name it first", pos(l.file, l.at.top["extends"]))
	case defaultAt < 0 && first.Extends == "":
		notes = append(notes, fmt.Sprintf("%s replaces the default lexicon, whose rules are all off: "+
			"write \"extends: default\" in it (or name --lexicon default before it) to add to them, "+
			"or \"extends: none\" to say it stands alone", first.file))
	}
	out, err := Layer(lexs...)
	if err != nil {
		return nil, err
	}
	out.Notes = notes
	return out, nil
}

// Layer combines lexicons, later over earlier: a rule with the id of an
// earlier one replaces it, "disable" removes earlier rules (an id that no
// earlier lexicon has is an error, in the first lexicon too), new rules are
// added, classes gain members, and the settings a later file writes
// override. A team's file layered on the default (--lexicon default
// --lexicon team.yaml) changes only what it names. It is linear in the
// rules: a team file may hold 100,000.
func Layer(lexs ...*Lexicon) (*Lexicon, error) {
	if len(lexs) == 0 {
		return nil, errors.New("no lexicon to layer")
	}
	first := lexs[0]
	out := &Lexicon{Name: first.Name, Version: first.Version, Settings: first.Settings, file: first.file, model: first.model}
	setBy := first         // the last lexicon that wrote settings
	at := map[string]int{} // rule id → index in out.Rules
	total := 0
	for _, l := range lexs {
		total += len(l.Rules)
	}
	out.Rules = make([]Rule, 0, total)
	var errs []error
	for k, l := range lexs {
		if k > 0 {
			out.Name += "+" + l.Name
			out.Version += "+" + l.Version
			if l.settings != nil {
				if err := l.settings.Decode(&out.Settings); err != nil {
					return nil, fmt.Errorf("%s: settings: %w", l.where(), err)
				}
				setBy = l
			}
		}
		if l.model != nil {
			out.model = l.model
		}
		for _, name := range slices.Sorted(maps.Keys(l.Classes)) {
			if out.Classes == nil {
				out.Classes = map[string][]string{}
			}
			out.Classes[name] = dedupe(append(slices.Clone(out.Classes[name]), l.Classes[name]...))
		}
		if err := out.disable(l, at); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range l.Rules {
			if i, ok := at[r.ID]; ok {
				out.Rules[i] = r
			} else {
				at[r.ID] = len(out.Rules)
				out.Rules = append(out.Rules, r)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out.Rules) == 0 {
		return nil, errors.New("the layered lexicons leave no rules")
	}
	if p := settingProblems(out.Settings); len(p) > 0 {
		return nil, fmt.Errorf("%s: settings.%s: %s (with the settings of the files before it)", pos(setBy.where(), setBy.at.setting(p[0].key)), p[0].key, p[0].msg)
	}
	if err := out.resolve(out.Name); err != nil {
		return nil, err
	}
	return out, nil
}

// maxListed bounds the errors of one kind a file gets, and the
// did-you-mean searches behind them.
const maxListed = 20

// disable removes from out the rules l disables. Every id must name a rule
// of the lexicons before l (at maps their ids); the error says where the id
// stands and suggests the nearest. The rules are filtered once, so that
// disabling many rules stays linear.
func (out *Lexicon) disable(l *Lexicon, at map[string]int) error {
	if len(l.Disable) == 0 {
		return nil
	}
	off := make(map[string]bool, len(l.Disable))
	var errs []error
	unknown := 0
	for j, id := range l.Disable {
		if _, ok := at[id]; ok {
			off[id] = true
			continue
		}
		if unknown++; unknown > maxListed {
			continue
		}
		msg := fmt.Sprintf("disable: no earlier rule %q", id)
		if len(at) == 0 {
			msg += "; this file is not layered on another lexicon: write \"extends: default\" in it, or name --lexicon default before it"
		} else if near := nearest(id, ruleIDs(out.Rules)); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		errs = append(errs, fmt.Errorf("%s: %s", pos(l.where(), l.at.disabled(j)), msg))
	}
	if unknown > maxListed {
		errs = append(errs, fmt.Errorf("%s: disable: %d more ids name no earlier rule", l.where(), unknown-maxListed))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	out.Rules = slices.DeleteFunc(out.Rules, func(r Rule) bool { return off[r.ID] })
	clear(at)
	for i, r := range out.Rules {
		at[r.ID] = i
	}
	return nil
}

// ruleIDs lists the rules' ids in order.
func ruleIDs(rules []Rule) iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, r := range rules {
			if !yield(r.ID) {
				return
			}
		}
	}
}

// where names the lexicon in messages: its file, else its name.
func (l *Lexicon) where() string {
	if l.file != "" {
		return l.file
	}
	return l.Name
}

// pos is "file:line", or the file alone when the line is not known.
func pos(file string, line int) string {
	if line <= 0 {
		return file
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// MaxSize caps a lexicon file: room for a team file of a few hundred
// thousand rules.
const MaxSize = 64 << 20

// Parse reads one lexicon file from YAML, its patterns expanded with its
// own classes. It is one layer: what it disables and extends takes effect
// when it is layered (Layer, Load). name is used in error messages, which
// read "name:line: ...".
func Parse(name string, data []byte) (*Lexicon, error) {
	lex, err := parse(name, data)
	if err != nil {
		return nil, err
	}
	if err := lex.resolve(name); err != nil {
		return nil, err
	}
	return lex, nil
}

// parse reads one file as written, before layering: its patterns may use
// the classes of the files below it, so they are expanded by Layer.
func parse(name string, data []byte) (*Lexicon, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than the %d MB cap on lexicon files", name, MaxSize>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty lexicon", name)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(name, data, err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty lexicon", name)
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a lexicon is a mapping (name:, rules: and so on)", pos(name, doc.Line))
	}
	at := findLines(doc)
	lex := &Lexicon{Settings: DefaultSettings, file: name, at: at}
	errs := checkFields(name, doc, at)
	if err := doc.Decode(lex); err != nil {
		errs = append(errs, decodeErrors(name, err, at)...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	lex.settings = valueOf(doc, "settings")
	if err := lex.validate(name, at); err != nil {
		return nil, err
	}
	lex.refModel(name)
	return lex, nil
}

// lines records where the top-level keys, the settings, the disabled ids,
// each rule and each of its fields stand, so that errors point at the text
// to fix.
type lines struct {
	top      map[string]int
	settings map[string]int
	disable  []int
	rules    []ruleLines
}

// ruleLines is where a rule and its fields stand.
type ruleLines struct {
	line   int
	id     string
	fields map[string]int
}

func findLines(doc *yaml.Node) lines {
	ls := lines{top: map[string]int{}, settings: map[string]int{}}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		key, val := doc.Content[i], doc.Content[i+1]
		ls.top[key.Value] = key.Line
		switch {
		case key.Value == "settings" && val.Kind == yaml.MappingNode:
			for j := 0; j+1 < len(val.Content); j += 2 {
				ls.settings[val.Content[j].Value] = val.Content[j].Line
			}
		case key.Value == "disable" && val.Kind == yaml.SequenceNode:
			for _, d := range val.Content {
				ls.disable = append(ls.disable, d.Line)
			}
		case key.Value == "rules" && val.Kind == yaml.SequenceNode:
			for _, r := range val.Content {
				rl := ruleLines{line: r.Line, fields: map[string]int{}}
				for j := 0; j+1 < len(r.Content); j += 2 {
					rl.fields[r.Content[j].Value] = r.Content[j].Line
					if r.Content[j].Value == "id" {
						rl.id = r.Content[j+1].Value
					}
				}
				ls.rules = append(ls.rules, rl)
			}
		}
	}
	return ls
}

// valueOf is the value of a mapping's key, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// line is where rule i's field stands (i < 0: a top-level key).
func (ls lines) line(i int, field string) int {
	if i < 0 {
		return ls.top[field]
	}
	if i >= len(ls.rules) {
		return 0
	}
	if l, ok := ls.rules[i].fields[field]; ok {
		return l
	}
	return ls.rules[i].line
}

// setting is where a setting stands, or the settings key.
func (ls lines) setting(key string) int {
	if l, ok := ls.settings[key]; ok {
		return l
	}
	return ls.top["settings"]
}

// disabled is where the j-th disabled id stands.
func (ls lines) disabled(j int) int {
	if j < len(ls.disable) {
		return ls.disable[j]
	}
	return ls.top["disable"]
}

func (l *Lexicon) validate(name string, at lines) error {
	var errs []error
	fail := func(i int, field, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if i >= 0 {
			msg = fmt.Sprintf("rule %d (%q): %s: %s", i+1, l.Rules[i].ID, field, msg)
		} else {
			msg = field + ": " + msg
		}
		errs = append(errs, fmt.Errorf("%s: %s", pos(name, at.line(i, field)), msg))
	}
	if l.Name == "" {
		fail(-1, "name", "missing: the lexicon needs a name")
	}
	if len(l.Rules) == 0 && len(l.Disable) == 0 && len(l.Classes) == 0 && l.settings == nil {
		fail(-1, "rules", "none: a file needs rules, or settings, disables or classes to layer on another")
	}
	if l.Extends != "" && l.Extends != ExtendsDefault && l.Extends != ExtendsNone {
		fail(-1, "extends", "%q is not one of %s, %s", l.Extends, ExtendsDefault, ExtendsNone)
	}
	for _, p := range settingProblems(l.Settings) {
		errs = append(errs, fmt.Errorf("%s: settings.%s: %s", pos(name, at.setting(p.key)), p.key, p.msg))
	}
	seen := map[string]int{}
	for i := range l.Rules {
		r := &l.Rules[i]
		switch {
		case r.ID == "":
			fail(i, "id", "missing")
		case seen[r.ID] > 0:
			fail(i, "id", "duplicate of rule %d", seen[r.ID])
		default:
			seen[r.ID] = i + 1
		}
		validateRule(r, func(field, format string, args ...any) { fail(i, field, format, args...) })
	}
	return errors.Join(errs...)
}

// validateRule fills a rule's defaults and reports, through fail, what is
// wrong with it.
func validateRule(r *Rule, fail func(field, format string, args ...any)) {
	if r.Speaker == "" {
		r.Speaker = SpeakerAgent
	}
	if r.Window.Name == "" {
		r.Window.Name = WindowCall
	}
	if r.Kind == KindConditional && r.Within == (Within{}) {
		r.Within.Turns = 2
	}
	if r.Kind != KindConditional && r.When != nil && r.Within == (Within{}) {
		r.Within.Turns = 1 // the answer is the next turn
	}
	if r.Kind == KindShortReply && r.MaxChars == nil {
		one := 1
		r.MaxChars = &one
	}
	if r.When != nil && r.When.Speaker == "" {
		r.When.Speaker = SpeakerCustomer
	}
	if r.Severity == "" {
		r.Severity = SeverityMajor
	}
	oneOf := func(field, v string, allowed ...string) {
		if !slices.Contains(allowed, v) {
			fail(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
		}
	}
	oneOf("kind", r.Kind, KindBanned, KindRequired, KindConditional, KindShortReply, KindAudio, KindSimilar)
	if r.Kind == KindAudio {
		oneOf("metric", r.Metric, audioMetrics...)
		hi := math.MaxFloat64 // seconds, characters a minute
		if r.Metric == MetricAgentTalkRatio {
			hi = 1
		}
		for _, b := range []struct {
			field string
			v     *float64
		}{{"min", r.Min}, {"max", r.Max}} {
			switch {
			case b.v == nil || inRange(*b.v, 0, hi):
			case hi == 1:
				fail(b.field, "%g is out of range (a share from 0 to 1)", *b.v)
			default:
				fail(b.field, "%g is out of range (a finite number, at least 0)", *b.v)
			}
		}
		if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
			fail("min", "min %g is above max %g", *r.Min, *r.Max)
		}
		switch r.Metric {
		case MetricAgentTalkRatio, MetricAgentSpeechRate:
			if r.Min == nil && r.Max == nil {
				fail("metric", "%s needs min or max", r.Metric)
			}
		default:
			if r.Max != nil {
				fail("max", "%s counts episodes of at least min; it has no max", r.Metric)
			}
		}
		if len(r.AllPhrases()) > 0 || len(r.Patterns) > 0 {
			fail("phrases", "an audio rule has no phrases")
		}
	} else if r.Metric != "" || r.Min != nil || r.Max != nil {
		fail("metric", "only audio rules have metric, min and max")
	}
	oneOf("severity", r.Severity, SeverityMinor, SeverityMajor, SeverityFatal)
	oneOf("speaker", r.Speaker, SpeakerAgent, SpeakerCustomer, SpeakerAny)
	oneOf("window", r.Window.Name, WindowCall, WindowOpening, WindowClosing, "explicit")
	if r.Kind != KindRequired && r.Window.Name != WindowCall {
		fail("window", "only required rules have a window")
	}
	switch {
	case (r.Kind == KindConditional || r.Kind == KindShortReply) && (r.When == nil || len(r.When.Phrases) == 0):
		fail("when", "a %s rule needs when: {phrases: [...]}", r.Kind)
	case r.Kind != KindConditional && r.Kind != KindShortReply && r.Kind != KindBanned && r.When != nil:
		fail("when", "only conditional, short_reply and banned rules have a trigger")
	case r.When != nil:
		oneOf("when", r.When.Speaker, SpeakerAgent, SpeakerCustomer, SpeakerAny)
	}
	if r.Within.Turns < 0 || !inRange(r.Within.Seconds, 0, day) {
		fail("within", "turns must not be negative, seconds must be from 0 to %d", day)
	}
	if r.Tolerance < ToleranceAuto || r.Tolerance > 2 || (r.Tolerance != 0 && r.Kind != KindRequired) {
		fail("tolerance", "0 to 2 or auto, and only for required rules")
	}
	for _, src := range r.Patterns {
		if _, err := classNames(src); err != nil {
			fail("patterns", "%v", err)
		}
	}
	if r.MaxChars != nil && (*r.MaxChars < 0 || r.Kind != KindShortReply) {
		fail("max_chars", "a number of characters >= 0, and only for short_reply rules")
	}
	if r.Kind == KindShortReply && (len(r.Phrases) > 0 || len(r.Patterns) > 0 || len(r.AllOf) > 0 || len(r.Near) > 0) {
		fail("phrases", "a short_reply rule has no phrases: its trigger is in when")
	}
	if len(r.UnlessNext) > 0 && r.Kind != KindBanned {
		fail("unless_next", "only banned rules have unless_next")
	}
	if r.When != nil && len(r.When.AnsweredBy) > 0 && r.Kind != KindBanned {
		fail("when", "answered_by is for banned rules (a conditional rule's phrases are its answers)")
	}
	if r.WholeReply != nil && (*r.WholeReply < 0 || r.Kind != KindBanned) {
		fail("whole_reply", "a number of characters >= 0, and only for banned rules")
	}
	for _, n := range r.Near {
		if len(n.A) == 0 || len(n.B) == 0 || n.Within < 0 {
			fail("near", "each entry needs a: [...], b: [...] and within >= 0")
		}
	}
	for _, g := range r.AllOf {
		if len(g) < 2 {
			fail("all_of", "each group needs two or more phrases")
		}
	}
	if !inRange(r.Penalty, 0, 100) || !inRange(r.Cap, 0, 100) {
		fail("penalty", "penalty and cap must be from 0 to 100 points, not %g and %g", r.Penalty, r.Cap)
	}
	if r.Kind == KindSimilar {
		if r.Category == "" {
			fail("category", "a similar rule needs the category (family) of the model it turns on")
		}
		if len(r.AllPhrases()) > 0 || len(r.Patterns) > 0 {
			fail("phrases", "a similar rule has no phrases: the model judges the turn")
		}
	}
	if r.MinScore != nil && (!inRange(*r.MinScore, 0, 1) || r.Kind != KindSimilar) {
		fail("min_score", "a score from 0 to 1, and only for similar rules")
	}
	if r.Kind != KindAudio && r.Kind != KindShortReply && r.Kind != KindSimilar && len(r.Phrases) == 0 && len(r.Patterns) == 0 && len(r.AllOf) == 0 && len(r.Near) == 0 {
		fail("phrases", "a rule needs phrases, patterns, all_of or near")
	}
	if r.Kind != KindBanned && (len(r.AllOf) > 0 || len(r.Near) > 0) {
		fail("phrases", "all_of and near are for banned rules; required and conditional rules list phrases")
	}
	for _, p := range r.AllPhrases() {
		if strings.TrimSpace(p) == "" {
			fail("phrases", "empty phrase")
		}
	}
}

// ID is a stable identifier of the rules and settings in force:
// "name@version+hash". Any change that can change a result changes the
// hash; descriptions and examples do not.
func (l *Lexicon) ID() string {
	sum := sha256.Sum256(l.canonical())
	return fmt.Sprintf("%s@%s+%s", l.Name, l.Version, hex.EncodeToString(sum[:6]))
}

// canonical encodes everything that can change a result: the settings,
// the classes and every rule, layered and resolved. It is JSON; a lexicon
// built by hand with a NaN or an infinity (which Parse and Layer refuse,
// and JSON cannot encode) falls back to YAML, so that the hash never
// covers nothing.
func (l *Lexicon) canonical() []byte {
	v := struct {
		Settings Settings            `json:"settings" yaml:"settings"`
		Classes  map[string][]string `json:"classes,omitempty" yaml:"classes"`
		Rules    []Rule              `json:"rules" yaml:"rules"`
	}{l.Settings, l.Classes, l.Rules}
	if b, err := json.Marshal(v); err == nil {
		return b
	}
	v.Rules = slices.Clone(v.Rules)
	for i := range v.Rules { // as in the JSON, which leaves them out
		v.Rules[i].Description, v.Rules[i].Examples = "", Examples{}
	}
	b, err := yaml.Marshal(v)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}

// MatchPhrases lists the phrases that can make the rule match: phrases,
// all_of, near and its trigger.
func (r *Rule) MatchPhrases() []string {
	out := slices.Clone(r.Phrases)
	for _, g := range r.AllOf {
		out = append(out, g...)
	}
	for _, n := range r.Near {
		out = append(out, n.A...)
		out = append(out, n.B...)
	}
	if r.When != nil {
		out = append(out, r.When.Phrases...)
	}
	return out
}

// AllPhrases lists every phrase the rule names: MatchPhrases and its
// exceptions.
func (r *Rule) AllPhrases() []string {
	out := append(r.MatchPhrases(), r.Exceptions...)
	if r.When != nil {
		out = append(out, r.When.AnsweredBy...)
	}
	return append(out, r.UnlessNext...)
}
