package rules

import (
	"slices"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

func parse(t *testing.T, yaml string) *lexicon.Lexicon {
	t.Helper()
	lex, err := lexicon.Parse("lang.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return lex
}

// timedCall builds a timed transcript of alternating agent/customer turns,
// 2 s each.
func timedCall(texts ...string) *transcript.Transcript {
	tr := &transcript.Transcript{Timed: true}
	for i, s := range texts {
		speaker := "agent"
		if i%2 == 1 {
			speaker = "customer"
		}
		tr.Segments = append(tr.Segments, transcript.Segment{Speaker: speaker, Start: float64(2 * i), End: float64(2*i + 2), Text: s})
	}
	return tr
}

func TestExceptions(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - {id: trouble, kind: banned, penalty: 1, phrases: [麻烦], exceptions: [不麻烦, 麻烦您, 麻烦你]}
`))
	expectRule(t, m, cut, "trouble", map[string]bool{
		"真麻烦":        true,
		"不麻烦，应该的":    false,
		"麻烦您稍等一下":    false,
		"这事太麻烦了":     true,
		"麻烦你再说一遍":    false,
		"不麻烦，就是有点麻烦": true, // the second 麻烦 is not inside an exception
	})
}

func TestAllOfAndNear(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - {id: refuse, kind: banned, penalty: 1, all_of: [[退款, 不行]]}
  - {id: promise, kind: banned, penalty: 1, near: [{a: [保证, 肯定], b: [没问题, 能退], within: 4}]}
`))
	expectFinds(t, m, cut, []findCase{
		{"refuse", "退款的话不行", true},
		{"refuse", "不行，退款要审核", true},
		{"refuse", "退款可以办理", false},
		{"promise", "我保证没问题", true},
		{"promise", "保证给您退款肯定能退", true},
		{"promise", "我保证会帮您跟进这个问题看看有没有问题", false}, // 没问题 absent; 问题 is not 没问题
		{"promise", "肯定，我们这边的系统一直都没问题", false},    // too far apart
	})
	// The hit quotes the whole stretch that matched.
	res := m.Match(timedCall("退款的话，不行。"), cut, 2)
	if len(res.Hits) != 1 || res.Hits[0].Matched != "退款的话，不行" {
		t.Errorf("hits %+v", res.Hits)
	}
}

func TestToleranceForASRDamage(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - {id: open, kind: required, window: opening, penalty: 5, tolerance: 1, phrases: [很高兴为您服务, 您好]}
`))
	expectRule(t, m, cut, "open", map[string]bool{
		"很高兴为您服务":  true,
		"很高兴您服务":   true,  // one character dropped
		"很高兴未您服务":  true,  // one changed
		"很高兴为了您服务": true,  // one added
		"很兴为服务":    false, // two dropped
		"你好":       false, // short phrases match exactly: 您好 ≠ 你好
	})
}

func TestConditional(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - id: empathy
    kind: conditional
    penalty: 5
    when: {phrases: [投诉, 太差了], speaker: customer}
    within: {turns: 2}
    exceptions: [不投诉]
    phrases: [抱歉, 理解您的心情]
`))
	cases := []struct {
		name  string
		texts []string
		hits  []int // segment indexes of unanswered triggers
	}{
		{"answered at once", []string{"您好", "我要投诉", "非常抱歉给您带来不便"}, nil},
		{"answered in the second turn", []string{"您好", "你们太差了", "我看一下", "嗯", "理解您的心情"}, nil},
		{"not answered", []string{"您好", "我要投诉", "我看一下", "快点", "查到了", "好"}, []int{1}},
		{"repeated complaints count once", []string{"您好", "我要投诉", "请讲", "太差了", "嗯", "好"}, []int{1}},
		{"exception", []string{"您好", "我不投诉，就问问", "好的"}, nil},
		{"no complaint", []string{"您好", "查话费", "好的"}, nil},
	}
	for _, c := range cases {
		res := m.Match(timedCall(c.texts...), cut, float64(2*len(c.texts)))
		var got []int
		for _, h := range res.Hits {
			got = append(got, h.SegmentIndex)
			if h.Speaker != "agent" || h.Matched == "" || h.Text != c.texts[h.SegmentIndex] {
				t.Errorf("%s: hit does not explain itself: %+v", c.name, h)
			}
		}
		if !slices.Equal(got, c.hits) {
			t.Errorf("%s: unanswered triggers %v, want %v", c.name, got, c.hits)
		}
	}
}

// dialogue is a timed call from lines "A text" (the agent) and "C text"
// (the customer), two seconds each.
func dialogue(lines ...string) *transcript.Transcript {
	tr := &transcript.Transcript{Timed: true}
	for i, l := range lines {
		speaker := map[byte]string{'A': "agent", 'C': "customer"}[l[0]]
		tr.Segments = append(tr.Segments, transcript.Segment{Speaker: speaker, Start: float64(2 * i), End: float64(2*i + 2), Text: l[2:]})
	}
	return tr
}

// hitIndexes are the segment indexes of a call's hits of rule id.
func hitIndexes(res Result, id string) []int {
	var got []int
	for _, h := range res.Hits {
		if h.RuleID == id {
			got = append(got, h.SegmentIndex)
		}
	}
	return got
}

func TestShortReply(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - id: terse
    kind: short_reply
    penalty: 3
    when: {phrases: [吗, 什么, 怎么, 多少]}
`))
	cases := []struct {
		name  string
		lines []string
		hits  []int // segment indexes of the terse answers
	}{
		{"one character", []string{"A 您好", "C 能退款吗？", "A 嗯。"}, []int{2}},
		{"nothing at all", []string{"A 您好", "C 什么时候到账", "A ……", "C 喂？"}, []int{2}},
		{"a real answer", []string{"A 您好", "C 什么时候到账", "A 明天到账，您放心"}, nil},
		{"two characters pass", []string{"A 您好", "C 能退款吗", "A 可以"}, nil},
		{"questions in a row, one answer", []string{"A 您好", "C 能退款吗", "C 怎么退", "A 嗯"}, []int{3}},
		{"not a question", []string{"A 您好", "C 我要退款", "A 好"}, nil},
		{"only the next turn is the answer", []string{"A 您好", "C 多少钱", "A 一百二十元", "C 好的", "A 嗯"}, nil},
		{"the customer's own short words", []string{"A 请问还有什么问题吗", "C 没", "A 好的"}, nil},
	}
	for _, c := range cases {
		res := m.Match(dialogue(c.lines...), cut, float64(2*len(c.lines)))
		if got := hitIndexes(res, "terse"); !slices.Equal(got, c.hits) {
			t.Errorf("%s: hits at %v, want %v", c.name, got, c.hits)
		}
		for _, h := range res.Hits {
			if h.Speaker != "agent" || h.Text != c.lines[h.SegmentIndex][2:] {
				t.Errorf("%s: the hit does not show the answer: %+v", c.name, h)
			}
		}
	}
	for text, want := range map[string]bool{"嗯": true, "": true, "好。": true, "好的": false, "稍等，我帮您查": false} {
		if got := m.Finds("terse", text, cut); got != want {
			t.Errorf("Finds(terse, %q) = %v, want %v", text, got, want)
		}
	}
}

func TestBannedAsAnAnswer(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - id: hang-up-on-complaint
    kind: banned
    penalty: 10
    when: {phrases: [投诉, 太差了]}
    phrases: [再见, 先这样吧]
`))
	cases := []struct {
		name  string
		lines []string
		hits  []int
	}{
		{"closing right after a complaint", []string{"A 您好", "C 你们太差了我要投诉", "A 先这样吧，再见"}, []int{2, 2}},
		{"the complaint answered first", []string{"A 您好", "C 我要投诉", "A 非常抱歉，我马上帮您处理", "C 好吧", "A 再见"}, nil},
		{"an ordinary closing", []string{"A 您好", "C 谢谢", "A 再见"}, nil},
		{"the customer's goodbye", []string{"A 您好", "C 太差了，再见"}, nil},
	}
	for _, c := range cases {
		res := m.Match(dialogue(c.lines...), cut, float64(2*len(c.lines)))
		if got := hitIndexes(res, "hang-up-on-complaint"); !slices.Equal(got, c.hits) {
			t.Errorf("%s: hits at %v, want %v", c.name, got, c.hits)
		}
	}
}

func TestExplicitWindows(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - {id: hold, kind: required, penalty: 1, window: {first_s: 5}, phrases: [请稍等]}
  - {id: thanks, kind: required, penalty: 1, window: {last_turns: 1}, phrases: [谢谢]}
`))
	// Agent turns at 0, 4, 8 s; 请稍等 at 4 s is inside the first 5 s;
	// 谢谢 is in the agent's last turn.
	res := m.Match(timedCall("您好", "嗯", "请稍等", "好", "谢谢，再见"), cut, 10)
	if len(res.Hits) != 0 {
		t.Errorf("hits %v", ids(res.Hits))
	}
	res = m.Match(timedCall("您好", "嗯", "好的", "好", "请稍等", "嗯", "再见"), cut, 14)
	if got := ids(res.Hits); !slices.Equal(got, []string{"hold", "thanks"}) {
		t.Errorf("hits %v", got)
	}
}

func TestLayeredLexicons(t *testing.T) {
	base := parse(t, `
name: base
settings: {pass_mark: 80, dead_air_min_s: 5}
rules:
  - {id: a, kind: banned, penalty: 10, phrases: [滚]}
  - {id: b, kind: banned, penalty: 10, phrases: [烦]}
`)
	team := parse(t, `
name: team
settings: {pass_mark: 90}
disable: [b]
rules:
  - {id: a, kind: banned, penalty: 3, phrases: [滚蛋]}
  - {id: c, kind: banned, penalty: 1, phrases: [快点]}
`)
	lex, err := lexicon.Layer(base, team)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range lex.Rules {
		got = append(got, r.ID)
	}
	if !slices.Equal(got, []string{"a", "c"}) || lex.Rules[0].Penalty != 3 {
		t.Errorf("rules %v %+v", got, lex.Rules)
	}
	if lex.Settings.PassMark != 90 || lex.Settings.DeadAirMinS != 5 || lex.Name != "base+team" {
		t.Errorf("settings %+v name %s", lex.Settings, lex.Name)
	}
	if _, err := lexicon.Layer(base, parse(t, "name: bad\ndisable: [zzz]\n")); err == nil {
		t.Error("disabling an unknown rule is no error")
	}
}

// TestTraditionalInput: Traditional and full-width text matches the
// Simplified lexicon, and the hit quotes it as written.
func TestTraditionalInput(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - {id: shirk, kind: banned, penalty: 1, phrases: [这事我管不了, 帐单问题]}
`))
	res := m.Match(timedCall("先生，這事我管不了！", "嗯", "帳單問題請到營業廳"), cut, 6)
	if len(res.Hits) != 2 || res.Hits[0].Matched != "這事我管不了" || res.Hits[1].Matched != "帳單問題" {
		t.Errorf("hits %+v", res.Hits)
	}
}

func TestReplyInContext(t *testing.T) {
	m, cut := compile(t, parse(t, `
name: x
rules:
  - id: policy-only
    kind: banned
    penalty: 5
    whole_reply: 2
    when: {phrases: [投诉, 太差了, 为什么不能]}
    phrases: [这是规定, 公司规定]
    unless_next: [不过, 我可以帮您]
  - id: pitch-over-complaint
    kind: banned
    penalty: 5
    when: {phrases: [投诉, 乱扣费], answered_by: [抱歉, 对不起]}
    within: {turns: 2}
    phrases: [流量包, 优惠活动]
`))
	cases := []struct {
		name     string
		lines    []string
		rule     string
		hits     []int
		evidence string
	}{
		{"policy as the whole answer to a complaint", []string{"C 你们太差了，为什么不能退", "A 这是规定呢"}, "policy-only", []int{1}, "customer: 你们太差了，为什么不能退"},
		{"policy, then an alternative", []string{"C 为什么不能退", "A 这是规定呢", "A 不过我可以帮您申请特殊处理"}, "policy-only", nil, ""},
		{"policy inside an explanation", []string{"C 为什么不能退", "A 这是公司规定，超过七天无法退，我帮您看看换货"}, "policy-only", nil, ""},
		{"policy without a complaint", []string{"C 请问开户要带什么", "A 这是规定"}, "policy-only", nil, ""},
		{"a pitch over an open complaint", []string{"C 你们乱扣费，我要投诉", "A 嗯", "A 我们现在有个流量包特别划算"}, "pitch-over-complaint", []int{2}, "customer: 你们乱扣费，我要投诉"},
		{"a pitch after an apology", []string{"C 你们乱扣费", "A 非常抱歉，已经给您退了", "A 另外我们现在有个流量包"}, "pitch-over-complaint", nil, ""},
		{"a pitch asked for", []string{"C 有没有便宜点的套餐", "A 有的，我们有个流量包"}, "pitch-over-complaint", nil, ""},
	}
	for _, c := range cases {
		res := m.Match(dialogue(c.lines...), cut, float64(2*len(c.lines)))
		if got := hitIndexes(res, c.rule); !slices.Equal(got, c.hits) {
			t.Errorf("%s: hits at %v, want %v", c.name, got, c.hits)
			continue
		}
		for _, h := range res.Hits {
			if h.RuleID == c.rule && (len(h.Evidence) != 1 || h.Evidence[0] != c.evidence) {
				t.Errorf("%s: evidence %q, want %q", c.name, h.Evidence, c.evidence)
			}
		}
	}
}
