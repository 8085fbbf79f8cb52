package lexcheck

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline"
)

// trainLexicon turns the similarity stage on for dismissive only.
const trainLexicon = `
name: train
version: "1"
rules:
  - {id: shirk, kind: banned, category: shirking, penalty: 5, phrases: [管不了]}
  - {id: similar.dismissive, kind: similar, category: dismissive, penalty: 3}
`

// trainCorpus writes two sources of the same kind of dismissive replies,
// each in its own words, beside fine turns that share their words.
func trainCorpus(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, src := range []string{"a", "b"} {
		var b strings.Builder
		b.WriteString("speaker\tcontext\ttext\texpect\n")
		for i := range 30 {
			fmt.Fprintf(&b, "agent\t你们又扣我钱了%d次\t随便你吧%s%d\tdismissive\n", i, src, i)
			fmt.Fprintf(&b, "agent\t\t好的我帮您查一下%s%d号\tnone\n", src, i)
			fmt.Fprintf(&b, "agent\t\t您稍等我看一下%s%d\tnone\n", src, i)
		}
		write(t, dir, src+".tsv", b.String())
	}
	return dir
}

func trainEngine(t *testing.T) *pipeline.Engine {
	t.Helper()
	lex, err := lexicon.Parse("train.yaml", []byte(trainLexicon))
	if err != nil {
		t.Fatal(err)
	}
	e, err := pipeline.New(pipeline.Config{Lexicon: lex, ExactOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestTrainAndLeaveOneSourceOut: a model learns the family from the
// corpus, and leave one source out judges each source by a model that
// never saw it.
func TestTrainAndLeaveOneSourceOut(t *testing.T) {
	e := trainEngine(t)
	dir := trainCorpus(t)
	m, err := Train(e, []string{dir}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.Lexicon != "train@1" || len(m.Classes) != 3 {
		t.Errorf("model for %s with classes %v", m.Lexicon, m.Classes)
	}
	if fam, score, hit := m.Judge("随便你吧", "你们又扣我钱了"); fam != "dismissive" || !hit {
		t.Errorf("a dismissive reply judged %q (%.2f, hit %v)", fam, score, hit)
	}
	if fam, score, hit := m.Judge("好的我帮您查一下", ""); hit {
		t.Errorf("a fine turn judged %q (%.2f)", fam, score)
	}
	turns, _, err := readCorpus([]string{filepath.Join(dir, "a.tsv"), filepath.Join(dir, "b.tsv")})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := LeaveOneSourceOut(e, turns)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Sources) != 2 || ev.Sources[0].Name != "a" || ev.Sources[1].Name != "b" {
		t.Fatalf("sources %+v", ev.Sources)
	}
	if b := ev.Banned; b.Labelled != 60 || b.Recall() < 0.9 || b.Precision() < 0.95 {
		t.Errorf("left one source out: %+v", b)
	}
}

// TestTrainErrors: a label that is no family of the lexicon names its
// file and line.
func TestTrainErrors(t *testing.T) {
	e := trainEngine(t)
	dir := t.TempDir()
	write(t, dir, "x.tsv", "speaker\ttext\texpect\nagent\t你好\tnone\nagent\t随你\tdismisive\n")
	_, err := Train(e, []string{dir}, 0)
	if err == nil || !strings.Contains(err.Error(), "x.tsv:3: label \"dismisive\" is not a family of lexicon train") {
		t.Errorf("a misspelt label: %v", err)
	}
}

// TestVerdicts: a reviewers' verdict file, as the README exports it from
// hits.parquet, gives each rule's precision, and missed turns count
// against their family.
func TestVerdicts(t *testing.T) {
	e, err := evalEngine()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, dir, "verdicts.tsv", "call_id\trule_id\tsegment_index\tspeaker\tcontext\ttext\tverdict\tfamily\n"+
		"c1\tshirk\t2\tagent\t你们怎么回事\t这事我管不了\tright\tshirking\n"+
		"c1\tshirk\t4\tagent\t\t我管不了太多，但我帮您问\twrong\tshirking\n"+
		"c2\trude\t1\tagent\t\t你烦不烦啊\tRIGHT\timpatience\n"+
		"c2\t\t3\tagent\t我要投诉\t随便你\tmissed\tdismissive\n")
	ev, err := Evaluate(e, []string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Score{}
	for _, s := range ev.Reviewed {
		got[s.Name] = s
	}
	if s := got["shirk"]; s.TP != 1 || s.FP != 1 {
		t.Errorf("shirk reviewed %+v, want 1 right, 1 wrong", s)
	}
	if s := got["rude"]; s.TP != 1 || s.FP != 0 {
		t.Errorf("rude reviewed %+v", s)
	}
	if len(ev.ReviewMissed) != 1 || ev.ReviewMissed[0].Name != "dismissive" || ev.ReviewMissed[0].FN != 1 {
		t.Errorf("missed %+v", ev.ReviewMissed)
	}
	var sb strings.Builder
	if err := ev.WriteText(&sb, "eval@1", -1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "reviewers") {
		t.Errorf("no reviewers' table:\n%s", sb.String())
	}
}
