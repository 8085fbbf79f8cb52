// Package similar is the similarity stage: a small linear classifier, trained
// on labelled agent turns, that finds forbidden phrasing the exact rules miss
// — paraphrases, polite wording, short replies that are a fault only after a
// complaint. It is pure Go, deterministic, and explains each hit with the
// labelled turns nearest to it.
package similar

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/callqa/callqa/pipeline/stage/normalize"
)

// shortReply is how long (in characters) a reply may be for the customer's
// turn before it to weigh more: 嗯 or 这是规定呢 is judged by what it answers.
const shortReply = 6

// Features are the names of what the model sees in a turn and the customer's
// turn before it: the turn's characters, bigrams and trigrams (with its start
// and end marked, so that a phrase that is the whole reply differs from one
// inside a sentence), its length, and the context's bigrams — on their own,
// and again when the reply is short. Text is normalized as the rules
// normalize it (Traditional to Simplified, no punctuation). Training uses
// the names; judging uses their hashes (featureHashes), made by the same
// walk without building a string.
func Features(text, context string) []string {
	var out []string
	walkFeatures(prepare(text, context), func(prefix, s string) { out = append(out, prefix+s) })
	return out
}

// featureHashes are the hashes (hashName) of Features, in the same order.
func featureHashes(t turn, out []uint64) []uint64 {
	walkFeatures(t, func(prefix, s string) { out = append(out, hashFeature(prefix, s)) })
	return out
}

// turn is a reply and its context as the features read them: normalized,
// and whether the context was exclaimed (normalizing drops the mark).
type turn struct {
	reply, context string
	exclaimed      bool
}

func prepare(text, context string) turn {
	return turn{norm(text), norm(context), exclaimed(context)}
}

func exclaimed(context string) bool { return strings.ContainsAny(context, "!！") }

// hashName is a feature name's 64-bit FNV-1a hash: how a loaded model looks
// its weights up.
func hashName(name string) uint64 { return hashFeature("", name) }

func hashFeature(prefix, s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(prefix); i++ {
		h = (h ^ uint64(prefix[i])) * prime
	}
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * prime
	}
	return h
}

// norm is text as the rules match it.
func norm(s string) string { return normalize.New(s).Norm }

// walkFeatures calls emit with each feature of the turn, as a prefix and
// a part of the text (a feature's name is the two joined).
func walkFeatures(t turn, emit func(prefix, s string)) {
	reply, ctx := t.reply, t.context
	// The reply with its start and end marked, and where each rune starts.
	padded := "^" + reply + "$"
	at := runeStarts(padded)
	runes := len(at) - 3 // the reply's runes
	emit("len:", lengthBucket(runes))
	if runes == 0 {
		emit("empty", "")
	}
	for n := 1; n <= 3; n++ {
		for i := 0; i+n < len(at); i++ {
			if n == 1 && (i == 0 || i == len(at)-2) {
				continue // a boundary on its own says nothing
			}
			emit("", padded[at[i]:at[i+n]])
		}
	}
	bang := t.exclaimed
	if ctx == "" {
		emit("noctx", "")
		if bang {
			emit("c:!", "")
		}
		return
	}
	short := runes <= shortReply
	emit("ctx", "")
	if short {
		emit("ctx&short", "")
	}
	cat := runeStarts(ctx)
	for i := 0; i+2 < len(cat); i++ {
		bg := ctx[cat[i]:cat[i+2]]
		emit("c:", bg)
		if short {
			emit("cs:", bg)
		}
	}
	if len(cat) == 2 { // one rune
		emit("c:", ctx)
	}
	answering(reply, ctx, emit)
	if bang {
		emit("c:!", "")
	}
}

// runeStarts are the byte offsets where s's runes start, then len(s).
func runeStarts(s string) []int {
	out := make([]int, 0, len(s)+1)
	for i := range s {
		out = append(out, i)
	}
	return append(out, len(s))
}

// lengthBucket groups lengths that read alike: 1, 2, 3, 4–5, 6–8, 9–12,
// 13–20, longer.
func lengthBucket(n int) string {
	for _, b := range []int{0, 1, 2, 3, 5, 8, 12, 20} {
		if n <= b {
			return strconv.Itoa(b)
		}
	}
	return "long"
}

// What a reply does, and what in the customer's turn says something went
// wrong: together they tell 嗯 after a complaint from 嗯 after a phone number,
// and an offer after a complaint from one after a question about offers. The
// model weighs each pairing; the words are signals, not rules.
var (
	shapeNames = []string{"pitch", "close", "policy", "helps"}
	shapes     = newWordSet(
		[]string{"活动", "优惠", "套餐", "会员", "满减", "立减", "推荐", "升级", "了解一下", "要不要", "划算", "新款", "首单", "折扣"},
		[]string{"再见", "挂了", "先这样", "其他问题", "结束", "拜拜", "就这样"},
		[]string{"规定", "政策", "制度", "流程", "规矩"},
		[]string{"抱歉", "对不起", "不好意思", "帮您", "帮你", "给您", "马上", "处理", "核实", "查", "理解"},
	)
	// ackRunes make up a bare acknowledgement: 嗯, 哦好的, 係咩, 知道了.
	ackRunes = "嗯恩哦噢喔唔啊呀呢咯嘛哈好的行吧是对了知道晓得係咩然后那个哼"
	// complaintCues mark a customer's turn as a complaint or a problem.
	complaintCues = []string{"又", "还没", "还是", "都", "根本", "没人", "不管", "次了", "遍", "第二次", "第三次", "两次", "重复", "多扣", "扣了", "乱", "丢", "坏", "错", "破", "差", "烂", "投诉", "太", "怎么回事", "凭什么", "到现在", "等了", "半天", "一直", "没法", "不能用", "损失", "谁负责", "骗", "气", "退"}
	cues          = newWordSet(eachAlone(complaintCues)...)
)

// wordSet finds which groups of words occur in a text, in one pass over
// it: each word is looked for only where its first character stands.
type wordSet struct {
	first map[rune][]int // words by their first rune
	words []string
	group []int
}

func newWordSet(groups ...[]string) *wordSet {
	if len(groups) > 64 {
		panic("similar: a word set holds at most 64 groups")
	}
	ws := &wordSet{first: map[rune][]int{}}
	for g, words := range groups {
		for _, w := range words {
			r, _ := utf8.DecodeRuneInString(w)
			ws.first[r] = append(ws.first[r], len(ws.words))
			ws.words, ws.group = append(ws.words, w), append(ws.group, g)
		}
	}
	return ws
}

func eachAlone(words []string) [][]string {
	out := make([][]string, len(words))
	for i, w := range words {
		out[i] = []string{w}
	}
	return out
}

// find returns the groups with a word in s, as bits.
func (ws *wordSet) find(s string) uint64 {
	var found uint64
	for i, r := range s {
		for _, k := range ws.first[r] {
			if strings.HasPrefix(s[i:], ws.words[k]) {
				found |= 1 << ws.group[k]
			}
		}
	}
	return found
}

func answering(reply, ctx string, emit func(prefix, s string)) {
	what := make([]string, 0, len(shapeNames)+1)
	if reply == "" || utf8.RuneCountInString(reply) <= shortReply && strings.Trim(reply, ackRunes) == "" {
		what = append(what, "ack")
	}
	does := shapes.find(reply)
	for g, name := range shapeNames {
		if does&(1<<g) != 0 {
			what = append(what, name)
		}
	}
	for _, w := range what {
		emit("do:", w)
	}
	found := cues.find(ctx)
	if found == 0 {
		return
	}
	emit("complaint", "")
	for _, w := range what {
		emit("x:", w+"&complaint")
		for c, cue := range complaintCues {
			if found&(1<<c) != 0 {
				emit("x:", w+"&"+cue)
			}
		}
	}
}
