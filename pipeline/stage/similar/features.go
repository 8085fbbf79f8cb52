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
// normalize it (Traditional to Simplified, no punctuation).
func Features(text, context string) []string {
	f := features(norm(text), norm(context))
	if strings.ContainsAny(context, "!！") {
		f = append(f, "c:!")
	}
	return f
}

// norm is text as the rules match it.
func norm(s string) string { return normalize.New(s).Norm }

func features(norm, ctx string) []string {
	r := []rune(norm)
	out := make([]string, 0, 3*len(r)+8)
	out = append(out, "len:"+lengthBucket(len(r)))
	if len(r) == 0 {
		out = append(out, "empty")
	}
	padded := make([]rune, 0, len(r)+2)
	padded = append(append(append(padded, '^'), r...), '$')
	for n := 1; n <= 3; n++ {
		for i := 0; i+n <= len(padded); i++ {
			if n == 1 && (i == 0 || i == len(padded)-1) {
				continue // a boundary on its own says nothing
			}
			out = append(out, string(padded[i:i+n]))
		}
	}
	if ctx == "" {
		return append(out, "noctx")
	}
	short := len(r) <= shortReply
	out = append(out, "ctx")
	if short {
		out = append(out, "ctx&short")
	}
	c := []rune(ctx)
	for i := 0; i+2 <= len(c); i++ {
		bg := string(c[i : i+2])
		out = append(out, "c:"+bg)
		if short {
			out = append(out, "cs:"+bg)
		}
	}
	if utf8.RuneCountInString(ctx) == 1 {
		out = append(out, "c:"+ctx)
	}
	return append(out, answering(norm, ctx)...)
}

// What a reply does, and what in the customer's turn says something went
// wrong: together they tell 嗯 after a complaint from 嗯 after a phone number,
// and an offer after a complaint from one after a question about offers. The
// model weighs each pairing; the words are signals, not rules.
var (
	shapes = []struct {
		name  string
		words []string
	}{
		{"pitch", []string{"活动", "优惠", "套餐", "会员", "满减", "立减", "推荐", "升级", "了解一下", "要不要", "划算", "新款", "首单", "折扣"}},
		{"close", []string{"再见", "挂了", "先这样", "其他问题", "结束", "拜拜", "就这样"}},
		{"policy", []string{"规定", "政策", "制度", "流程", "规矩"}},
		{"helps", []string{"抱歉", "对不起", "不好意思", "帮您", "帮你", "给您", "马上", "处理", "核实", "查", "理解"}},
	}
	// ackRunes make up a bare acknowledgement: 嗯, 哦好的, 係咩, 知道了.
	ackRunes = "嗯恩哦噢喔唔啊呀呢咯嘛哈好的行吧是对了知道晓得係咩然后那个哼"
	// complaintCues mark a customer's turn as a complaint or a problem.
	complaintCues = []string{"又", "还没", "还是", "都", "根本", "没人", "不管", "次了", "遍", "第二次", "第三次", "两次", "重复", "多扣", "扣了", "乱", "丢", "坏", "错", "破", "差", "烂", "投诉", "太", "怎么回事", "凭什么", "到现在", "等了", "半天", "一直", "没法", "不能用", "损失", "谁负责", "骗", "气", "退"}
)

func answering(reply, ctx string) []string {
	var what []string
	if reply == "" || len([]rune(reply)) <= shortReply && strings.Trim(reply, ackRunes) == "" {
		what = append(what, "ack")
	}
	for _, s := range shapes {
		for _, w := range s.words {
			if strings.Contains(reply, w) {
				what = append(what, s.name)
				break
			}
		}
	}
	var cues []string
	for _, c := range complaintCues {
		if strings.Contains(ctx, c) {
			cues = append(cues, c)
		}
	}
	out := make([]string, 0, len(what)*(len(cues)+2)+1)
	for _, w := range what {
		out = append(out, "do:"+w)
	}
	if len(cues) == 0 {
		return out
	}
	out = append(out, "complaint")
	for _, w := range what {
		out = append(out, "x:"+w+"&complaint")
		for _, c := range cues {
			out = append(out, "x:"+w+"&"+c)
		}
	}
	return out
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
