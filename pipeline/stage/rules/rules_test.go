package rules

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/segment"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

var (
	segMu    sync.Mutex
	segCache = map[string]*segment.Segmenter{}
)

// compile builds a matcher and a segmenter that knows exactly its phrases,
// as a run does: other lexicons' words would change where jieba cuts.
// Segmenters are cached by word list, since each takes a second to build.
func compile(t testing.TB, lex *lexicon.Lexicon) (*Matcher, Cutter) {
	t.Helper()
	m := Compile(lex)
	words := m.Words()
	key := strings.Join(words, "\x00")
	segMu.Lock()
	defer segMu.Unlock()
	seg, ok := segCache[key]
	if !ok {
		var err error
		if seg, err = segment.New(words); err != nil {
			t.Fatal(err)
		}
		segCache[key] = seg
	}
	return m, seg
}

func testLexicon(t *testing.T) *lexicon.Lexicon {
	t.Helper()
	lex, err := lexicon.Parse("test.yaml", []byte(`
name: test
version: "1"
settings: {greeting_window_s: 10, closing_window_s: 10}
rules:
  - {id: greet, kind: required, category: greeting, window: opening, penalty: 10, phrases: [您好]}
  - {id: bye, kind: required, category: closing, window: closing, penalty: 5, phrases: [再见]}
  - {id: short, kind: banned, category: impatience, penalty: 5, phrases: [麻烦]}
  - {id: shirk, kind: banned, category: shirking, penalty: 10, phrases: [我管不了, 这事我管不了]}
  - {id: cust, kind: banned, category: anger, speaker: customer, penalty: 0, phrases: [投诉]}
`))
	if err != nil {
		t.Fatal(err)
	}
	return lex
}

func seg3(speaker string, start, end float64, text string) transcript.Segment {
	return transcript.Segment{Speaker: speaker, Start: start, End: end, Text: text}
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.RuleID)
	}
	return out
}

func TestMatch(t *testing.T) {
	m, cut := compile(t, testLexicon(t))
	segs := []transcript.Segment{
		seg3("agent", 0.5, 3, "您好！"),
		seg3("customer", 3.5, 6, "这事我管不了？我要投诉！"), // the customer's words never count against the agent
		// One hit for the longer phrase, quoted as written.
		seg3("agent", 6.5, 9, "这事 我管不了。"),
		seg3("agent", 9.5, 12, "真麻烦，还要再查。"),
		seg3("agent", 30, 32, "再见。"),
	}
	res := m.Match(&transcript.Transcript{Segments: segs, Timed: true}, cut, 40)
	if got, want := ids(res.Hits), []string{"cust", "shirk", "short"}; !slices.Equal(got, want) {
		t.Fatalf("hits %v, want %v", got, want)
	}
	h := res.Hits[1]
	if h.Matched != "这事 我管不了" || h.Speaker != "agent" || h.Start != 6.5 || h.End != 9 || h.SegmentIndex != 2 || h.Text != segs[2].Text {
		t.Errorf("hit %+v", h)
	}
	if res.Hits[2].SegmentIndex != 3 || res.Hits[2].Matched != "麻烦" {
		t.Errorf("hit %+v", res.Hits[2])
	}
	if res.BannedCount != 3 || !*res.GreetingOK || !*res.ClosingOK {
		t.Errorf("banned %d greeting %v closing %v", res.BannedCount, *res.GreetingOK, *res.ClosingOK)
	}
}

func TestWholeWordsOnly(t *testing.T) {
	lex, err := lexicon.Parse("w.yaml", []byte(`
name: w
rules:
  - {id: b, kind: banned, penalty: 1, phrases: [不行]}
`))
	if err != nil {
		t.Fatal(err)
	}
	m, cut := compile(t, lex)
	for text, want := range map[string]bool{
		"不行就是不行": true,
		"这样不行":   true,
		"他们不行了":  true,
		"这个人不行动": false, // jieba: 这个 / 人 / 不 / 行动
		"不行李":    false, // 不 / 行李
	} {
		if got := m.Finds("b", text, cut); got != want {
			t.Errorf("Finds(%q) = %v, want %v (tokens %v)", text, got, want, cut.Cut(text))
		}
	}
}

func TestRequiredWindows(t *testing.T) {
	m, cut := compile(t, testLexicon(t))
	segs := []transcript.Segment{
		seg3("customer", 0, 2, "您好"), // not the agent's greeting
		seg3("agent", 12, 14, "您好"),  // too late
		seg3("agent", 20, 22, "再见"),  // too early for a call ending at 40
	}
	res := m.Match(&transcript.Transcript{Segments: segs, Timed: true}, cut, 40)
	if got := ids(res.Hits); !slices.Equal(got, []string{"greet", "bye"}) {
		t.Fatalf("hits %v", got)
	}
	if g := res.Hits[0]; g.Start != 0 || g.End != 10 || g.SegmentIndex != -1 || g.Matched != "" {
		t.Errorf("missing greeting hit %+v", g)
	}
	if b := res.Hits[1]; b.Start != 30 || b.End != 40 {
		t.Errorf("missing closing window %v-%v", b.Start, b.End)
	}
	if *res.GreetingOK || *res.ClosingOK {
		t.Error("greeting or closing reported ok")
	}
	// A short call: both windows cover it all.
	res = m.Match(&transcript.Transcript{Segments: []transcript.Segment{seg3("agent", 1, 3, "您好，再见")}, Timed: true}, cut, 4)
	if len(res.Hits) != 0 {
		t.Errorf("short call hits %v", ids(res.Hits))
	}
}

// TestTurnWindows: without times, the opening is the agent's first two
// turns and the closing its last two.
func TestTurnWindows(t *testing.T) {
	m, cut := compile(t, testLexicon(t))
	untimed := func(texts ...string) *transcript.Transcript {
		tr := &transcript.Transcript{}
		for i, s := range texts {
			speaker := "agent"
			if i%2 == 1 {
				speaker = "customer"
			}
			tr.Segments = append(tr.Segments, transcript.Segment{Speaker: speaker, Text: s})
		}
		return tr
	}
	// Agent turns: 0, 2, 4, 6. 您好 in the second agent turn counts; 再见 in
	// the third of four does too (the last two).
	res := m.Match(untimed("喂", "你好", "您好", "嗯", "再见", "好", "嗯嗯"), cut, 0)
	if len(res.Hits) != 0 || !*res.GreetingOK || !*res.ClosingOK {
		t.Errorf("hits %v", ids(res.Hits))
	}
	// 您好 only in the third agent turn is too late; no 再见 at all.
	res = m.Match(untimed("喂", "你好", "什么事", "嗯", "您好", "好", "嗯嗯"), cut, 0)
	if got := ids(res.Hits); !slices.Equal(got, []string{"greet", "bye"}) || res.Hits[0].Timed {
		t.Errorf("hits %v (timed %v)", got, res.Hits[0].Timed)
	}
}

// TestDefaultLexiconExamples runs every example written in the default
// lexicon: sentences that must match their rule and near-misses that must not.
func TestDefaultLexiconExamples(t *testing.T) {
	lex, err := lexicon.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, cut := compile(t, lex)
	for _, r := range lex.Rules {
		for _, s := range r.Examples.Match {
			if !m.Finds(r.ID, s, cut) {
				t.Errorf("%s: %q does not match (tokens %v)", r.ID, s, cut.Cut(s))
			}
		}
		for _, s := range r.Examples.NoMatch {
			if m.Finds(r.ID, s, cut) {
				t.Errorf("%s: near-miss %q matches", r.ID, s)
			}
		}
	}
}

// editsBrute is the textbook table: the fewest edits that turn pattern
// into some stretch of text.
func editsBrute(pattern, text []rune) int {
	best := len(pattern)
	for i := 0; i <= len(text); i++ {
		for j := i; j <= len(text); j++ {
			best = min(best, levenshtein(pattern, text[i:j]))
		}
	}
	return best
}

func levenshtein(a, b []rune) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range a {
		cur := make([]int, len(b)+1)
		cur[0] = i + 1
		for j := range b {
			cost := 1
			if a[i] == b[j] {
				cost = 0
			}
			cur[j+1] = min(prev[j]+cost, prev[j+1]+1, cur[j]+1)
		}
		prev = cur
	}
	return prev[len(b)]
}

func TestWithinEditsAgreesWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	word := func(n int) []rune {
		w := make([]rune, n)
		for i := range w {
			w[i] = []rune("您好请问再见")[rng.IntN(6)]
		}
		return w
	}
	for range 20000 {
		pattern, text := word(1+rng.IntN(9)), word(rng.IntN(14))
		want := editsBrute(pattern, text)
		for k := range 4 {
			if got := withinEdits(pattern, text, k); got != (want <= k) {
				t.Fatalf("withinEdits(%q, %q, %d) = %v, but the fewest edits are %d", string(pattern), string(text), k, got, want)
			}
		}
	}
}

func TestSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 200 {
		want := map[int]bool{}
		var ids []int
		base := rng.IntN(1000)
		for range rng.IntN(40) {
			id := base + rng.IntN(300)
			ids = append(ids, id)
			want[id] = true
		}
		s := setOf(ids)
		for p := -70; p < 1400; p++ {
			if s.has(p) != want[p] {
				t.Fatalf("set of %v: has(%d) = %v", ids, p, s.has(p))
			}
		}
		members := slices.Sorted(maps.Keys(want))
		if got := s.members(); !slices.Equal(got, members) {
			t.Fatalf("set of %v: members %v, want %v", ids, got, members)
		}
	}
}
