// Package similar is the similarity stage: a small linear classifier, trained
// on labelled agent turns, that finds forbidden phrasing the exact rules miss
// — paraphrases, polite wording, short replies that are a fault only after a
// complaint. It is pure Go, deterministic, and explains each hit with the
// labelled turns nearest to it.
package similar

import (
	"strconv"
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
	return features(norm(text), norm(context))
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
