package lexcheck

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
)

const evalLexicon = `
name: eval
rules:
  - {id: opening, kind: required, window: opening, penalty: 5, phrases: [您好]}
  - {id: closing, kind: required, window: closing, penalty: 5, phrases: [再见]}
  - {id: shirk, kind: banned, category: shirking, penalty: 5, phrases: [管不了]}
  - {id: rude, kind: banned, category: impatience, penalty: 5, phrases: [烦不烦]}
`

var evalEngine = sync.OnceValues(func() (*pipeline.Engine, error) {
	lex, err := lexicon.Parse("eval.yaml", []byte(evalLexicon))
	if err != nil {
		return nil, err
	}
	return pipeline.New(pipeline.Config{Lexicon: lex})
})

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestEvaluate: turns and calls are scored as a reviewer would count them.
func TestEvaluate(t *testing.T) {
	e, err := evalEngine()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Columns in another order, a note column and a BOM, as a spreadsheet
	// may export them.
	write(t, dir, "turns.tsv", "\xEF\xBB\xBFexpect\tnote\tspeaker\ttext\n"+
		"shirking\t\tagent\t这事我管不了\n"+ // found
		"shirking\t\tagent\t你去营业厅问吧\n"+ // missed
		"impatience\t\tagent\t你烦不烦啊\n"+ // found
		"none\t\tagent\t我管不了太多，但我帮您问\n"+ // false alarm (shirking)
		"none\tcustomers do not count\tcustomer\t你们烦不烦\n"+ // a customer: no hit
		"impatience\t\tagent\t这事我管不了\n") // labelled impatience, found shirking
	write(t, dir, "more.jsonl", `{"speaker": "agent", "text": "不麻烦的", "expect": "none"}`+"\n")
	write(t, dir, "c1.json", `{"segments": [{"speaker": "agent", "start": 0, "end": 2, "text": "您好"}, {"speaker": "agent", "start": 3, "end": 5, "text": "好的"}]}`)
	write(t, dir, "c1.expect.yaml", "greeting: true\nclosing: true\nbanned: []\n")
	write(t, dir, "c2.json", `{"segments": [{"speaker": "agent", "start": 0, "end": 2, "text": "喂"}, {"speaker": "agent", "start": 3, "end": 5, "text": "这个管不了，再见"}]}`)
	write(t, dir, "c2.expect.yaml", "greeting: false\nclosing: true\nbanned: [shirking, blaming]\n")
	write(t, dir, "c3.json", `{"segments": [{"speaker": "agent", "start": 0, "end": 2, "text": "您好"}]}`)
	write(t, dir, "c3.expect.yaml", "hits: []\n") // for lexicon test only

	ev, err := Evaluate(e, []string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Turns != 7 || ev.AgentTurns != 6 || ev.Calls != 2 {
		t.Fatalf("%d turns (%d agent), %d calls", ev.Turns, ev.AgentTurns, ev.Calls)
	}
	// Any forbidden phrasing: 4 labelled, 3 of them flagged, 1 clean turn flagged.
	if b := ev.Banned; b.TP != 3 || b.FN != 1 || b.FP != 1 || b.Labelled != 4 {
		t.Errorf("banned %+v", b)
	}
	fam := map[string]Score{}
	for _, s := range ev.Families {
		fam[s.Name] = s
	}
	if s := fam["shirking"]; s.TP != 1 || s.FN != 1 || s.FP != 2 || s.Labelled != 2 {
		t.Errorf("shirking %+v", s)
	}
	if s := fam["impatience"]; s.TP != 1 || s.FN != 1 || s.FP != 0 {
		t.Errorf("impatience %+v", s)
	}
	if got := ev.FalseAlarmsPer1000(); got < 166 || got > 167 {
		t.Errorf("false alarms per 1,000 agent turns %v, want 1 of 6", got)
	}
	if len(ev.Misses) != 2 || len(ev.FalseAlarms) != 2 {
		t.Errorf("%d misses, %d false alarms", len(ev.Misses), len(ev.FalseAlarms))
	}
	if !strings.HasSuffix(ev.Misses[0].Where, "turns.tsv:3") {
		t.Errorf("a miss is found at %s", ev.Misses[0].Where)
	}
	// c1: greeting right, closing missed (好的 is not 再见); c2: both right.
	if g, c := ev.Greeting, ev.Closing; g.OKOK != 1 || g.NotNot != 1 || c.OKOK != 1 || c.OKNot != 1 || c.Right() != 0.5 {
		t.Errorf("greeting %+v closing %+v", g, c)
	}
	cases := ev.Cases(Gates{Precision: 0.9, Recall: 0.5, Verdicts: 0.5})
	failed := map[string]bool{}
	for _, c := range cases {
		if c.Suite == "eval gates" && c.Failure != "" {
			failed[c.Name] = true
		}
	}
	if !failed["precision"] || failed["recall"] || failed["closing verdicts right"] || len(failed) != 1 {
		t.Errorf("failed gates %v (precision 0.75 < 0.9 only)", failed)
	}
	var sb strings.Builder
	if err := ev.WriteText(&sb, "eval@1", -1); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"shirking", "0.750", "false alarms: 1 clean agent turns flagged", "closing: c1: labelled proper, found missing", `"你去营业厅问吧"  labelled shirking, found nothing`} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, sb.String())
		}
	}
}

func TestReadUtterancesErrors(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]struct{ body, err string }{
		"noheader.tsv": {"agent\t你好\tnone\n", "noheader.tsv:1: the header needs"},
		"speaker.tsv":  {"speaker\ttext\texpect\nrobot\t你好\tnone\n", "speaker.tsv:2: speaker \"robot\""},
		"empty.tsv":    {"speaker\ttext\texpect\n", "empty.tsv: no labelled turns"},
		"noexpect.tsv": {"speaker\ttext\texpect\nagent\t你好\tnone\nagent\t你好\t\n", "noexpect.tsv:3: empty expect"},
		"bad.jsonl":    {`{"speaker": "agent", "text": "x", "expect": "none", "extra": 1}` + "\n", "bad.jsonl:1:"},
		"verdict.tsv":  {"rule_id\tspeaker\ttext\tverdict\tfamily\nr\tagent\t你好\tmaybe\tshirking\n", "verdict.tsv:2: verdict \"maybe\""},
		"nofamily.tsv": {"rule_id\tspeaker\ttext\tverdict\tfamily\nr\tagent\t你好\tright\t\n", "nofamily.tsv:2: verdict right needs the family"},
		"both.tsv":     {"rule_id\tspeaker\ttext\texpect\tverdict\tfamily\nr\tagent\t你好\tnone\twrong\t\n", "both.tsv:2: both expect and verdict"},
	} {
		_, err := readUtterances(write(t, dir, name, want.body))
		if err == nil || !strings.Contains(err.Error(), want.err) {
			t.Errorf("%s: %v, want %q", name, err, want.err)
		}
	}
	if _, err := Evaluate(nil, []string{t.TempDir()}, false); err == nil || !strings.Contains(err.Error(), "no labelled turns") {
		t.Errorf("an empty corpus: %v", err)
	}
}

func FuzzReadUtterances(f *testing.F) {
	f.Add([]byte("speaker\ttext\texpect\tnote\nagent\t这事我管不了\tshirking\t\n"))
	f.Add([]byte("\xEF\xBB\xBFtext\texpect\tspeaker\n你好\tnone\tcustomer\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.tsv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		turns, err := readUtterances(p)
		if err == nil && len(turns) == 0 {
			t.Error("no turns and no error")
		}
		for _, u := range turns {
			if u.Text == "" || u.Expect == "" || (u.Speaker != "agent" && u.Speaker != "customer") {
				t.Errorf("accepted %+v", u)
			}
		}
	})
}

// corpusGates are the targets for the default lexicon on the labelled
// corpus in testdata/lexicon, measured leaving one source out: each source
// is judged by the rules and by a model trained without it, so the gate is
// on phrasing the model did not learn from. Forbidden phrasing: recall at
// least 0.80 at precision at least 0.95, every family's recall at least
// 0.65; greeting and closing verdicts at least 0.95. The figures on the
// training set itself are reported, not gated: a model reads them back.
var corpusGates = Gates{LOSOPrecision: 0.95, LOSORecall: 0.80, FamilyRecall: 0.65, Verdicts: 0.95}

// TestDefaultLexiconOnCorpus is lexicon eval's gate on the default lexicon.
func TestDefaultLexiconOnCorpus(t *testing.T) {
	ev := evalDefault(t, "lexicon", true)
	if ev.Turns < 4000 || ev.Calls < 70 || ev.LOSO == nil || len(ev.LOSO.Sources) < 6 {
		t.Fatalf("the corpus shrank: %d turns, %d calls, %d sources", ev.Turns, ev.Calls, len(ev.Sources))
	}
	gate(t, ev, corpusGates)
}

// TestDefaultLexiconOnHeldout keeps the default lexicon's precision on the
// held-out turns that neither rules nor model were made from
// (testdata/lexicon-heldout). Recall there is reported, not gated: a gate
// would invite tuning on it.
func TestDefaultLexiconOnHeldout(t *testing.T) {
	ev := evalDefault(t, "lexicon-heldout", false)
	if ev.Turns < 1000 {
		t.Fatalf("the held-out set shrank: %d turns", ev.Turns)
	}
	gate(t, ev, Gates{Precision: 0.95})
}

// TestDefaultModelIsTrainedOnTheCorpus: the committed lexicon/default.model
// is what callqa lexicon train makes of testdata/lexicon today, byte for
// byte, so a corpus change without a retrain (make model) fails here.
func TestDefaultModelIsTrainedOnTheCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	e, err := pipeline.New(pipeline.Config{Lexicon: lex, ExactOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(e, []string{filepath.Join("..", "..", "testdata", "lexicon")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want, err := lex.ModelRef().Read()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Encode(), want) {
		t.Errorf("lexicon/default.model is not the model trained on testdata/lexicon (got %s): run make model", m.Hash())
	}
}

// defaultEngine runs the default lexicon, built once for the tests that
// measure it (its jieba and compile are the costly part).
var defaultEngine = sync.OnceValues(func() (*pipeline.Engine, error) {
	lex, err := lexicon.Default()
	if err != nil {
		return nil, err
	}
	return pipeline.New(pipeline.Config{Lexicon: lex})
})

// evalDefault measures the default lexicon on a folder of testdata.
func evalDefault(t *testing.T, folder string, loso bool) *Eval {
	t.Helper()
	e, err := defaultEngine()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(e, []string{filepath.Join("..", "..", "testdata", folder)}, loso)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// gate fails the test on every gate the evaluation misses, and logs its
// figures.
func gate(t *testing.T, ev *Eval, gates Gates) {
	t.Helper()
	for _, c := range ev.Cases(gates) {
		if c.Suite == "eval gates" && c.Failure != "" {
			t.Error(c.Failure)
		}
	}
	t.Logf("precision %.3f, recall %.3f, greeting %.3f, closing %.3f right, %.1f false alarms per 1,000 agent turns",
		ev.Banned.Precision(), ev.Banned.Recall(), ev.Greeting.Right(), ev.Closing.Right(), ev.FalseAlarmsPer1000())
}
