package lexcheck

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/callqa/callqa/internal/inputfile"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/rules"
)

// noneLabel is the label of a turn with no forbidden phrasing.
const noneLabel = "none"

// utterance is one labelled turn: who said it, what, and the family of
// forbidden phrasing a reviewer found in it (a rule category), or None.
type utterance struct {
	Speaker string `json:"speaker"`
	Text    string `json:"text"`
	Expect  string `json:"expect"`
	Note    string `json:"note,omitempty"`
	// Context is the customer's turn just before, which a reply is judged
	// with (may be empty).
	Context string `json:"context,omitempty"`
	// Source is who wrote the turn or where it came from (default: the
	// file's name): leave-one-source-out holds each out whole.
	Source string `json:"source,omitempty"`
	// A reviewer's verdict on a run's hit (see verdicts.go) gives the
	// label instead of expect.
	Verdict string `json:"verdict,omitempty"`
	Family  string `json:"family,omitempty"`
	CallID  string `json:"call_id,omitempty"`
	RuleID  string `json:"rule_id,omitempty"`
	// Where is file:line, to find the turn again.
	Where string `json:"-"`
}

// maxCorpusFile caps one corpus file.
const maxCorpusFile = 64 << 20

// readUtterances reads labelled turns from a TSV file (a header naming at
// least the columns speaker, text and expect, in any order, as a
// spreadsheet exports it; note, context and source are optional) or a
// JSONL file (one object with those keys a line).
func readUtterances(path string) ([]utterance, error) {
	data, err := inputfile.Read(path, maxCorpusFile)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	var out []utterance
	if strings.EqualFold(filepath.Ext(path), ".jsonl") {
		out, err = readJSONL(path, data)
	} else {
		out, err = readTSV(path, data)
	}
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no labelled turns", path)
	}
	return out, nil
}

func readTSV(path string, data []byte) ([]utterance, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	col := map[string]int{}
	var out []utterance
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(col) == 0 {
			for i, f := range fields {
				col[strings.ToLower(strings.TrimSpace(f))] = i
			}
			label := "expect"
			if _, ok := col["verdict"]; ok {
				label = "verdict"
			}
			for _, need := range []string{"speaker", "text", label} {
				if _, ok := col[need]; !ok {
					return nil, fmt.Errorf("%s:1: the header needs the columns speaker, text and expect, or a verdict file's speaker, text, verdict and family (tab-separated), not %q", path, text)
				}
			}
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(fields) {
				return strings.TrimSpace(fields[i])
			}
			return ""
		}
		u := utterance{
			Speaker: get("speaker"), Text: get("text"), Expect: get("expect"), Note: get("note"),
			Context: get("context"), Source: get("source"), Where: fmt.Sprintf("%s:%d", path, line),
			Verdict: get("verdict"), Family: get("family"), CallID: get("call_id"), RuleID: get("rule_id"),
		}
		if err := u.check(path); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return out, nil
}

func readJSONL(path string, data []byte) ([]utterance, error) {
	var out []utterance
	for i, text := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(text) == "" {
			continue
		}
		var u utterance
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&u); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		u.Where = fmt.Sprintf("%s:%d", path, i+1)
		if err := u.check(path); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// check validates a turn read from path and gives it the file's name as
// its source when it names none.
func (u *utterance) check(path string) error {
	if u.Source == "" {
		u.Source = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	u.Speaker = strings.ToLower(u.Speaker)
	if err := u.fromVerdict(); err != nil {
		return err
	}
	u.Expect = strings.ToLower(u.Expect)
	switch {
	case u.Speaker != lexicon.SpeakerAgent && u.Speaker != lexicon.SpeakerCustomer:
		return fmt.Errorf("%s: speaker %q: want agent or customer", u.Where, u.Speaker)
	case u.Text == "":
		return fmt.Errorf("%s: empty text", u.Where)
	case u.Expect == "":
		return fmt.Errorf("%s: empty expect: a family (a rule category) or %s", u.Where, noneLabel)
	}
	return nil
}

// Score counts a detector's outcomes against labels.
type Score struct {
	Name          string
	TP, FP, FN    int
	Labelled, Hit int // labelled positive; found positive
}

// Precision is TP / (TP + FP), 1 when nothing was found.
func (s Score) Precision() float64 { return ratio(s.TP, s.TP+s.FP) }

// Recall is TP / (TP + FN), 1 when nothing was labelled.
func (s Score) Recall() float64 { return ratio(s.TP, s.TP+s.FN) }

// F1 is the harmonic mean of precision and recall.
func (s Score) F1() float64 {
	p, r := s.Precision(), s.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Mistake is a turn the lexicon missed or flagged wrongly, with its words.
type Mistake struct {
	Where, Speaker, Text, Expect string
	// Found are the families found (and the rules and words behind them).
	Found []string
}

// Verdicts is a confusion table of a yes/no verdict (greeting, closing)
// over labelled calls.
type Verdicts struct {
	Name                       string
	OKOK, OKNot, NotOK, NotNot int      // labelled, then found
	Wrong                      []string // the calls judged wrongly, with why
}

// Right is the share of calls judged as labelled.
func (v Verdicts) Right() float64 {
	return ratio(v.OKOK+v.NotNot, v.OKOK+v.OKNot+v.NotOK+v.NotNot)
}

// Eval is a lexicon measured on labelled material.
type Eval struct {
	Turns, AgentTurns, Calls int
	// Banned is any forbidden phrasing found in a turn labelled with any
	// family; Families is each family on its own (a turn labelled shirking
	// where only blaming is found is a miss of shirking and a false alarm
	// of blaming); Rules counts each rule's hits that were right.
	Banned   Score
	Families []Score
	Rules    []Score
	// FalseAlarmTurns are clean agent turns with a hit.
	FalseAlarmTurns     int
	Misses, FalseAlarms []Mistake
	Greeting, Closing   Verdicts
	CallFamilies        []Score
	// Sources are the turns of each source: all forbidden phrasing.
	Sources []Score
	// Reviewed are the reviewers' verdicts on a run's hits, by rule (TP
	// right, FP wrong); ReviewMissed the turns they found missed, by
	// family (FN).
	Reviewed, ReviewMissed []Score
	// LOSO is the same measure with each source held out of training:
	// nil without a model to train or a second source.
	LOSO *Eval
}

// FalseAlarmsPer1000 is the clean agent turns flagged per 1,000 agent turns.
func (e *Eval) FalseAlarmsPer1000() float64 {
	if e.AgentTurns == 0 {
		return 0
	}
	return 1000 * float64(e.FalseAlarmTurns) / float64(e.AgentTurns)
}

// corpusFiles sorts the corpus into files of labelled turns (named, or
// found in folders) and folders of calls.
func corpusFiles(corpus []string) (turnFiles, callDirs []string, err error) {
	for _, c := range corpus {
		st, err := os.Stat(c)
		if err != nil {
			return nil, nil, err
		}
		if !st.IsDir() {
			turnFiles = append(turnFiles, c)
			continue
		}
		callDirs = append(callDirs, c)
		err = filepath.WalkDir(c, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".tsv" || ext == ".jsonl") {
				turnFiles = append(turnFiles, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return turnFiles, callDirs, nil
}

// readCorpus reads every labelled turn of the corpus (files, and the turn
// files in its folders), and returns the folders, which may hold calls.
func readCorpus(corpus []string) (turns []utterance, callDirs []string, err error) {
	turnFiles, callDirs, err := corpusFiles(corpus)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range turnFiles {
		t, err := readUtterances(f)
		if err != nil {
			return nil, nil, err
		}
		turns = append(turns, t...)
	}
	return turns, callDirs, nil
}

// Evaluate runs the lexicon over the corpus: files of labelled turns (.tsv,
// .jsonl) and folders, searched for such files and for calls with a
// NAME.expect.yaml that labels greeting, closing or banned families. With
// loso, and turns from two or more sources, it also measures leave one
// source out (see LeaveOneSourceOut).
func Evaluate(e *pipeline.Engine, corpus []string, loso bool) (*Eval, error) {
	turns, callDirs, err := readCorpus(corpus)
	if err != nil {
		return nil, err
	}
	ev := newEval()
	for _, u := range turns {
		hits, err := e.Banned(u.Speaker, u.Text, u.Context)
		if err != nil {
			return nil, err
		}
		ev.tally(u, hits)
		ev.tallyVerdict(u)
	}
	if len(callDirs) > 0 {
		if err := ev.calls(e, callDirs); err != nil {
			return nil, err
		}
	}
	if ev.Turns == 0 && ev.Calls == 0 {
		return nil, fmt.Errorf("no labelled turns (.tsv, .jsonl) and no labelled calls (NAME%s with greeting, closing or banned) in %v", source.ExpectSuffix, corpus)
	}
	if loso && len(sources(turns)) > 1 {
		if ev.LOSO, err = LeaveOneSourceOut(e, turns); err != nil {
			return nil, err
		}
	}
	ev.sort()
	return ev, nil
}

func newEval() *Eval { return &Eval{Banned: Score{Name: "all forbidden phrasing"}} }

func (ev *Eval) sort() {
	sortScores(ev.Families)
	sortScores(ev.Rules)
	sortScores(ev.CallFamilies)
	sortScores(ev.Sources)
	sortScores(ev.Reviewed)
	sortScores(ev.ReviewMissed)
}

// tally scores one labelled turn against the hits found in it.
func (ev *Eval) tally(u utterance, hits []rules.Hit) {
	families := scoreIndex(&ev.Families)
	byRule := scoreIndex(&ev.Rules)
	source := scoreIndex(&ev.Sources)(u.Source)
	{
		ev.Turns++
		if u.Speaker == lexicon.SpeakerAgent {
			ev.AgentTurns++
		}
		found := map[string]bool{}
		var what []string
		for _, h := range hits {
			found[h.Category] = true
			what = append(what, fmt.Sprintf("%s %s %q", h.Category, h.RuleID, h.Matched))
			r := byRule(h.RuleID)
			r.Hit++
			if h.Category == u.Expect {
				r.TP++
			} else {
				r.FP++
			}
		}
		labelled := u.Expect != noneLabel
		if labelled {
			families(u.Expect).Labelled++
			ev.Banned.Labelled++
		}
		if len(hits) > 0 {
			ev.Banned.Hit++
		}
		if labelled {
			source.Labelled++
		}
		if len(hits) > 0 {
			source.Hit++
		}
		switch {
		case labelled && len(hits) > 0:
			ev.Banned.TP++
			source.TP++
		case labelled:
			ev.Banned.FN++
			source.FN++
		case len(hits) > 0:
			ev.Banned.FP++
			source.FP++
			if u.Speaker == lexicon.SpeakerAgent {
				ev.FalseAlarmTurns++
			}
		}
		mistake := Mistake{Where: u.Where, Speaker: u.Speaker, Text: u.Text, Expect: u.Expect, Found: what}
		if labelled && !found[u.Expect] {
			families(u.Expect).FN++
			ev.Misses = append(ev.Misses, mistake)
		}
		wrong := false
		for _, f := range slices.Sorted(maps.Keys(found)) {
			s := families(f)
			s.Hit++
			if f == u.Expect {
				s.TP++
			} else {
				s.FP++
				wrong = true
			}
		}
		if wrong {
			ev.FalseAlarms = append(ev.FalseAlarms, mistake)
		}
	}
}

// calls runs the labelled calls: greeting and closing verdicts, and the
// families of forbidden phrasing in each call.
func (ev *Eval) calls(e *pipeline.Engine, dirs []string) error {
	found, err := source.Find(dirs)
	if err != nil {
		return err
	}
	ev.Greeting.Name, ev.Closing.Name = "greeting", "closing"
	families := scoreIndex(&ev.CallFamilies)
	for _, in := range found {
		want, ok, err := readExpectation(in)
		if err != nil {
			return err
		}
		if !ok || (want.Greeting == nil && want.Closing == nil && want.Banned == nil) {
			continue
		}
		c := e.Process(in)
		if c.Failed() {
			return fmt.Errorf("labelled call %s: %w", in.ID, c.Err)
		}
		ev.Calls++
		ev.Greeting.add(in.ID, want.Greeting, c.GreetingOK)
		ev.Closing.add(in.ID, want.Closing, c.ClosingOK)
		if want.Banned == nil {
			continue
		}
		got := map[string]bool{}
		for _, h := range c.Card.Hits {
			if h.Kind == lexicon.KindBanned {
				got[h.Category] = true
			}
		}
		for _, f := range *want.Banned {
			s := families(f)
			s.Labelled++
			if got[f] {
				s.TP++
			} else {
				s.FN++
			}
		}
		for f := range got {
			s := families(f)
			s.Hit++
			if !slices.Contains(*want.Banned, f) {
				s.FP++
			}
		}
	}
	return nil
}

func (v *Verdicts) add(call string, want, got *bool) {
	if want == nil {
		return
	}
	g := got != nil && *got
	switch {
	case *want && g:
		v.OKOK++
	case *want:
		v.OKNot++
		v.Wrong = append(v.Wrong, call+": labelled proper, found missing")
	case g:
		v.NotOK++
		v.Wrong = append(v.Wrong, call+": labelled missing, found proper")
	default:
		v.NotNot++
	}
}

// expectationPath is where call c's expectations are: NAME.expect.yaml
// beside its files.
func expectationPath(c source.Call) string {
	return filepath.Join(filepath.Dir(cmp.Or(c.TranscriptPath, c.AudioPath)), c.ID+source.ExpectSuffix)
}

// readExpectation reads NAME.expect.yaml beside a call, if there is one.
func readExpectation(c source.Call) (Expectation, bool, error) {
	var want Expectation
	expectPath := expectationPath(c)
	data, err := inputfile.Read(expectPath, maxCorpusFile)
	if os.IsNotExist(err) {
		return want, false, nil
	}
	if err != nil {
		return want, false, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&want); err != nil {
		return want, false, fmt.Errorf("%s: %w", expectPath, err)
	}
	return want, true, nil
}

// scoreIndex returns a function that finds or adds the score of a name.
func scoreIndex(scores *[]Score) func(string) *Score {
	at := map[string]int{}
	for i, s := range *scores {
		at[s.Name] = i
	}
	return func(name string) *Score {
		i, ok := at[name]
		if !ok {
			i = len(*scores)
			at[name] = i
			*scores = append(*scores, Score{Name: name})
		}
		return &(*scores)[i]
	}
}

func sortScores(s []Score) {
	slices.SortFunc(s, func(a, b Score) int { return strings.Compare(a.Name, b.Name) })
}
