package similar

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/rules"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// toy is a small corpus of three sources: shirking says 不归我管 in many
// ways, dismissive is a bare 嗯 after a complaint, and the fine turns share
// their words (嗯 after a phone number, 归我们处理).
func toy() []Example {
	var out []Example
	for i, src := range []string{"a", "b", "c"} {
		for j := range 6 {
			n := i*6 + j
			out = append(out,
				Example{Text: fmt.Sprintf("这个不归我管%d号的事", n), Label: "shirking", Source: src},
				Example{Text: fmt.Sprintf("不归我们这边管哦，第%d次了", n), Label: "shirking", Source: src},
				Example{Text: "嗯", Context: fmt.Sprintf("你们又乱扣我钱了，第%d次了，太过分了", n), Label: "dismissive", Source: src},
				Example{Text: "嗯", Context: fmt.Sprintf("我的手机号是1380000%04d", n), Label: None, Source: src},
				Example{Text: fmt.Sprintf("这个归我们处理，我%d分钟内回电", n), Label: None, Source: src},
				Example{Text: fmt.Sprintf("好的，已经为您登记了%d号单", n), Label: None, Source: src},
			)
		}
	}
	return out
}

func trainToy(t *testing.T) *Model {
	t.Helper()
	m, err := Train(toy(), Options{Lexicon: "toy@1", Families: []string{"dismissive", "shirking"}, Precision: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTrainLearnsWordsAndContext(t *testing.T) {
	m := trainToy(t)
	cases := []struct {
		text, context, family string
		hit                   bool
	}{
		{"这事不归我管", "", "shirking", true},
		{"嗯", "你们太过分了，又乱扣钱", "dismissive", true},
		{"嗯", "我的手机号是13912345678", "", false},
		{"好的，已经为您登记了", "", "", false},
	}
	for _, c := range cases {
		family, score, hit := m.Judge(c.text, c.context)
		if hit != c.hit || (c.hit && family != c.family) {
			t.Errorf("%q after %q: %s %.3f hit %v, want %s hit %v", c.text, c.context, family, score, hit, c.family, c.hit)
		}
	}
	if len(m.Thresholds) != 2 {
		t.Errorf("thresholds %v: want one for each family", m.Thresholds)
	}
}

func TestTrainIsDeterministicAndRoundTrips(t *testing.T) {
	a, b := trainToy(t), trainToy(t)
	if !bytes.Equal(a.Encode(), b.Encode()) {
		t.Fatal("two trainings on the same examples differ")
	}
	if a.Hash() != b.Hash() || len(a.Hash()) != 12 {
		t.Errorf("hashes %q and %q", a.Hash(), b.Hash())
	}
	c, err := Parse("toy.model", a.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Encode(), a.Encode()) {
		t.Error("a parsed model encodes differently")
	}
	if !slices.Equal(c.Scores("不归我管", ""), a.Scores("不归我管", "")) {
		t.Error("a parsed model scores differently")
	}
	// Another corpus, another model.
	d, err := Train(toy()[:60], Options{Lexicon: "toy@1", Families: []string{"dismissive", "shirking"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Hash() == a.Hash() {
		t.Error("a smaller corpus gave the same model")
	}
}

func TestTrainRejectsUnknownLabels(t *testing.T) {
	_, err := Train([]Example{{Text: "x", Label: "rudeness"}}, Options{Families: []string{"shirking"}})
	if err == nil || !strings.Contains(err.Error(), `"rudeness"`) {
		t.Errorf("err %v", err)
	}
}

func TestNearest(t *testing.T) {
	m := trainToy(t)
	got := m.Nearest("这事不归我管", "", "shirking", 3)
	if len(got) != 3 {
		t.Fatalf("%d neighbours", len(got))
	}
	for i, n := range got {
		if n.Label != "shirking" || !strings.Contains(n.Text, "归我") {
			t.Errorf("neighbour %+v", n)
		}
		if i > 0 && n.Similarity > got[i-1].Similarity {
			t.Errorf("neighbours out of order: %v", got)
		}
	}
	if got := m.Nearest("嗯", "你们太过分了", "dismissive", 3); len(got) == 0 || got[0].Text != "嗯" {
		t.Errorf("dismissive neighbours %v", got)
	}
}

func TestParseErrors(t *testing.T) {
	good := string(trainToy(t).Encode())
	lines := strings.Split(good, "\n")
	replace := func(i int, with string) string {
		l := slices.Clone(lines)
		l[i] = with
		return strings.Join(l, "\n")
	}
	cases := []struct{ name, data, want string }{
		{"empty", "", "toy.model: empty model file"},
		{"not a model", "name: default\n", "toy.model:1: not a callqa similarity model"},
		{"bad lexicon", replace(1, "lexicon default"), "toy.model:2: lexicon"},
		{"bad classes", replace(2, `classes "shirking"`), "toy.model:3: classes"},
		{"threshold out of range", replace(3, `threshold "dismissive" 1.5`), "toy.model:4: threshold"},
		{"threshold of no class", replace(3, `threshold "rudeness" 0.5`), `toy.model:4: threshold for "rudeness"`},
		{"short weights", replace(6, `feature "嗯" 1 2`), "toy.model:7: feature"},
		{"not a number", replace(5, "bias x 1 2"), "toy.model:6: bias"},
		{"unknown line", replace(6, "weights 1 2 3"), `toy.model:7: unknown line "weights"`},
		{"cut short", strings.Join(lines[:4], "\n"), "no bias line"},
	}
	for _, c := range cases {
		_, err := Parse("toy.model", []byte(c.data))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	m, err := Train(toy(), Options{Lexicon: "toy@1", Families: []string{"dismissive", "shirking"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(m.Encode())
	f.Add([]byte(magic + "\nlexicon \"x\"\nclasses \"none\" \"a\"\nbias 0 0\nfeature \"^嗯\" 1 -1\nexample \"a\" \"嗯\" \"\" \"s\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse("fuzz.model", data)
		if err != nil {
			return
		}
		// Whatever parses scores any turn and encodes to a file that
		// parses to the same.
		if p := m.Scores("这个不归我管", "你们太差了"); len(p) != len(m.Classes) {
			t.Fatalf("%d scores for %d classes", len(p), len(m.Classes))
		}
		again, err := Parse("again.model", m.Encode())
		if err != nil {
			t.Fatalf("re-encoded model does not parse: %v", err)
		}
		if !bytes.Equal(again.Encode(), m.Encode()) {
			t.Fatal("encoding is not stable")
		}
	})
}

func TestStage(t *testing.T) {
	m := trainToy(t)
	lex, err := lexicon.Parse("s.yaml", []byte(`
name: s
rules:
  - {id: similar.dismissive, kind: similar, category: dismissive, penalty: 3}
  - {id: banned.x, kind: banned, category: shirking, penalty: 3, phrases: [我管不了]}
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStage(m, lex)
	if err != nil {
		t.Fatal(err)
	}
	tr := &transcript.Transcript{Segments: []transcript.Segment{
		{Speaker: "customer", Text: "你们又乱扣我钱了，太过分了"},
		{Speaker: "agent", Text: "嗯"},
		{Speaker: "customer", Text: "我的手机号是13800001234"},
		{Speaker: "agent", Text: "嗯"},
		{Speaker: "customer", Text: "那怎么办"},
		{Speaker: "agent", Text: "这个不归我管"}, // shirking is not turned on
	}}
	hits := s.Hits(tr, nil)
	if len(hits) != 1 {
		t.Fatalf("hits %+v, want one", hits)
	}
	h := hits[0]
	if h.RuleID != "similar.dismissive" || h.SegmentIndex != 1 || h.Kind != lexicon.KindSimilar || !h.HasValue || h.Value < m.Thresholds["dismissive"] {
		t.Errorf("hit %+v", h)
	}
	if len(h.Evidence) != 1+shown || h.Evidence[0] != "customer: 你们又乱扣我钱了，太过分了" || !strings.HasPrefix(h.Evidence[1], `like "嗯" after "`) {
		t.Errorf("evidence %q", h.Evidence)
	}
	// A turn an exact rule flagged is not judged again.
	if got := s.Hits(tr, []rules.Hit{{Kind: lexicon.KindBanned, SegmentIndex: 1}}); len(got) != 0 {
		t.Errorf("judged a flagged turn: %+v", got)
	}
	// min_score overrides the threshold.
	lex.Rules[0].MinScore = new(1.0)
	if s, _ = NewStage(m, lex); len(s.Hits(tr, nil)) != 0 {
		t.Error("min_score 1 still hit")
	}
	lex.Rules[0].Category = "rudeness"
	if _, err := NewStage(m, lex); err == nil || !strings.Contains(err.Error(), `no family "rudeness"`) {
		t.Errorf("err %v", err)
	}
}

// TestScoresByHashAreScoresByName: judging looks weights up by feature
// hash, training by name; both must give the same scores, for turns with
// and without context, short and long, Traditional and punctuated.
func TestScoresByHashAreScoresByName(t *testing.T) {
	m := trainToy(t)
	for _, e := range append(toy(), Example{Text: "嗯"}, Example{Text: "", Context: "又扣我钱！"},
		Example{Text: "您好，這個我們管不了哦", Context: "為什麼又停電了"}, Example{Text: "亲 现在有优惠活动 要不要了解一下", Context: "衣服洗一次就坏了 太差了"}) {
		byHash, byName := m.Scores(e.Text, e.Context), m.scores(Features(e.Text, e.Context))
		for c := range byHash {
			if math.Abs(byHash[c]-byName[c]) > 1e-6 {
				t.Errorf("%q after %q: %s scores %.6f by hash, %.6f by name", e.Text, e.Context, m.Classes[c], byHash[c], byName[c])
			}
		}
	}
	names := map[uint64]string{}
	for _, e := range toy() {
		for _, f := range Features(e.Text, e.Context) {
			if prev, ok := names[hashName(f)]; ok && prev != f {
				t.Errorf("features %q and %q share a hash", prev, f)
			}
			names[hashName(f)] = f
		}
	}
	if got := featureHashes(prepare("这是规定", "为什么不能退"), nil); len(got) != len(Features("这是规定", "为什么不能退")) {
		t.Errorf("%d hashes for %d features", len(got), len(Features("这是规定", "为什么不能退")))
	}
}
