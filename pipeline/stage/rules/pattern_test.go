package rules

import (
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
)

// TestPatterns: alternatives, optional parts, classes and ordered gaps
// match as their phrases written out would, on whole words.
func TestPatterns(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
classes:
  self: [我, 我们, 小妹, 本人]
  particle: [呢, 哦, 啊]
rules:
  - id: shirk
    kind: banned
    penalty: 1
    patterns:
      - "这(个|件)?(事|事情){self}?(可)?管不了{particle}?"
      - "不归{self}管"
  - id: other-dept
    kind: banned
    penalty: 1
    patterns: ["(你|您)(自己)?去{0-6}(问|问问|找)"]
`))
	cases := []findCase{
		{"shirk", "这事我管不了", true},
		{"shirk", "这个事情我们管不了", true},
		{"shirk", "这件事我可管不了呢", true},
		{"shirk", "這件事小妹管不了哦", true}, // Traditional
		{"shirk", "这不归我们管", true},
		{"shirk", "这事我们马上管", false},
		{"shirk", "这个我们能管", false},
		{"other-dept", "你自己去营业厅问吧", true},
		{"other-dept", "您去柜台找一下工作人员", true},
		{"other-dept", "您去问", true},
		{"other-dept", "你去问问看吧", true},
		{"other-dept", "您不用去营业厅，我帮您问", false},                 // 去 … 问 but 7 characters apart
		{"other-dept", "您去年办理的业务我帮您查一下问题", false},             // the gap is too long
		{"other-dept", "问一下您去哪里", false},                      // wrong order
		{"other-dept", strings.Repeat("您去看看", 3) + "问", true}, // the last 去, then 2 characters, then 问
	}
	expectFinds(t, m, cut, cases)
	// The hit quotes the whole stretch, gap included.
	res := m.Match(timedCall("那你自己去营业厅问吧"), cut, 2)
	if len(res.Hits) != 1 || res.Hits[0].Matched != "你自己去营业厅问" {
		t.Errorf("hits %+v", res.Hits)
	}
}

// findCase is a sentence that rule id must find (want) or not.
type findCase struct {
	id, text string
	want     bool
}

// expectFinds checks each case with Matcher.Finds.
func expectFinds(t *testing.T, m *Matcher, cut Cutter, cases []findCase) {
	t.Helper()
	for _, c := range cases {
		if got := m.Finds(c.id, c.text, cut); got != c.want {
			t.Errorf("%s: Finds(%q) = %v, want %v", c.id, c.text, got, c.want)
		}
	}
}

// expectRule checks sentences against one rule: text → whether rule id
// finds it.
func expectRule(t *testing.T, m *Matcher, cut Cutter, id string, cases map[string]bool) {
	t.Helper()
	for text, want := range cases {
		if got := m.Finds(id, text, cut); got != want {
			t.Errorf("%s: Finds(%q) = %v, want %v", id, text, got, want)
		}
	}
}

// TestWholeReply: a short word counts as a fault only when it is (nearly)
// the whole reply.
func TestWholeReply(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
classes: {particle: [呢, 哦, 啊, 的]}
rules:
  - {id: dont-know, kind: banned, penalty: 1, whole_reply: 2, patterns: ["(我)?(不知道|不清楚){particle}?"]}
`))
	expectRule(t, m, cut, "dont-know", map[string]bool{
		"不知道。":          true,
		"我不知道啊":         true,
		"嗯，不清楚的":        true,
		"不知道您是否方便接听电话":  false,
		"这个我不清楚，我帮您查一下": false,
		"我也不知道，您问问别人吧？": false, // a fault, but of another rule (shirking)
		"不知道呢……":        true,
	})
}

// TestToleranceAuto: the edits allowed grow with the phrase, and never let
// one required rule's phrase stand for another's.
func TestToleranceAuto(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - {id: open, kind: required, window: opening, penalty: 5, tolerance: auto, phrases: [您好很高兴为您服务, 请问有什么可以帮您]}
  - {id: close, kind: required, window: closing, penalty: 5, tolerance: auto, phrases: [请问还有什么可以帮您, 请问还有其他可以帮您的吗]}
`))
	expectFinds(t, m, cut, []findCase{
		{"open", "您好很高为您务", true},   // two of nine characters dropped
		{"open", "您好很高兴为你服务", true}, // 您 heard as 你
		{"open", "您好为服务", false},    // four dropped
		{"open", "请问有什么可以帮您", true},
		{"close", "请问还有什么可以帮您", true},
		{"close", "请问还有其他可以帮你的吗", true},
		{"close", "请问还有什么可以帮你", false}, // one edit from the opening's offer of help: exact only
		{"close", "请问有什么可以帮您", false},  // the opening's offer of help is not a closing
		{"open", "请问还有什么可以帮您", false},  // nor the closing an opening
	})
}

// TestLongUtterancesStayLinear: a 100 KB utterance of one sentence repeated
// is matched by near, gapped patterns, exceptions and whole replies, each
// occurrence found once. Every step is linear in the occurrences (a
// quadratic pass over these 2,000 occurrences stalled a batch for minutes
// before); BenchmarkLongUtterance measures it.
func TestLongUtterancesStayLinear(t *testing.T) {
	m, cut := compile(t, longLexicon(t))
	text := longUtterance()
	res := m.Match(timedCall(text), cut, 2)
	counts := map[string]int{}
	for _, h := range res.Hits {
		counts[h.RuleID]++
	}
	n := strings.Count(text, longSentence)
	if counts["near"] != n || counts["gap"] != n || counts["bare"] != 0 || counts["exc"] != 0 {
		t.Errorf("hits %v, want near and gap %d times each, bare and exc never", counts, n)
	}
}

func BenchmarkLongUtterance(b *testing.B) {
	m, cut := compile(b, longLexicon(b))
	tr := timedCall(longUtterance())
	b.SetBytes(int64(len(tr.Segments[0].Text)))
	for b.Loop() {
		m.Match(tr, cut, 2)
	}
}

const longSentence = "这事我管不了你自己去营业厅问吧"

func longUtterance() string { return strings.Repeat(longSentence, 100_000/len(longSentence)) }

func longLexicon(t testing.TB) *lexicon.Lexicon {
	t.Helper()
	lex, err := lexicon.Parse("long.yaml", []byte(`
name: x
rules:
  - {id: near, kind: banned, penalty: 1, near: [{a: [管不了], b: [营业厅], within: 8}]}
  - {id: gap, kind: banned, penalty: 1, patterns: ["这事{0-4}管不了"]}
  - {id: bare, kind: banned, penalty: 1, whole_reply: 1, phrases: [营业厅]}
  - {id: exc, kind: banned, penalty: 1, phrases: [自己], exceptions: [你自己]}
`))
	if err != nil {
		t.Fatal(err)
	}
	return lex
}
