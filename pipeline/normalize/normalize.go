// Package normalize prepares utterances for matching — full-width to
// half-width, Latin case folded, punctuation and spaces dropped — and keeps
// a map back to the words as written, so that hits quote the transcript.
package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text is a normalized utterance.
type Text struct {
	// Norm is the text rules are matched against.
	Norm string
	// start[i] and end[i] are the byte span in the original text of the rune
	// that starts at byte i of Norm.
	start, end []int
	orig       string
}

// New normalizes s.
func New(s string) Text {
	t := Text{orig: s}
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			size = 1
		}
		n := fold(r)
		if n < 0 {
			continue
		}
		before := b.Len()
		b.WriteRune(n)
		for range b.Len() - before {
			t.start = append(t.start, i)
			t.end = append(t.end, i+size)
		}
	}
	t.Norm = b.String()
	return t
}

// fold maps one rune to its matching form, or -1 to drop it.
func fold(r rune) rune {
	switch {
	case r == '\u3000':
		return -1 // ideographic space
	case r >= '\uFF01' && r <= '\uFF5E':
		r -= 0xFEE0 // full-width ASCII
	}
	if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) ||
		unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
		return -1
	}
	return unicode.ToLower(r)
}

// Original returns the words as written that normalized bytes [from, to)
// came from. from and to must be rune boundaries of Norm, from < to.
func (t Text) Original(from, to int) string {
	return t.orig[t.start[from]:t.end[to-1]]
}
