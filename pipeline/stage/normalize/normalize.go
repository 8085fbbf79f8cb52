// Package normalize prepares utterances for matching — Traditional Chinese
// to Simplified, full-width to half-width, Latin case folded, punctuation
// and spaces dropped — and keeps a map back to the words as written, so that
// hits quote the transcript. Lexicon phrases go through the same function,
// so both sides always agree.
package normalize

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/liuzl/gocc"
)

// Text is a normalized utterance.
type Text struct {
	// Norm is the text rules are matched against.
	Norm string
	orig string
	simp []rune // the Simplified form of orig rune by rune, nil when the same
}

// converter is OpenCC's Traditional-to-Simplified conversion (gocc, its
// dictionaries embedded), and traditional the characters it changes on their
// own, to skip the phrase-aware conversion (7 MB/s) for the Simplified text
// that most calls are.
type converter struct {
	cc *gocc.OpenCC
	// traditional[r-tableStart] is the Simplified form of r, 0 when r has
	// none of its own.
	traditional []rune
}

// The code points the character table covers: CJK Extension A to the CJK
// Compatibility Ideographs.
const (
	tableStart = 0x3400
	tableEnd   = 0xFAFF
)

func (c *converter) lookup(r rune) (rune, bool) {
	if r < tableStart || r > tableEnd {
		return r, false
	}
	s := c.traditional[r-tableStart]
	return s, s != 0
}

var t2s = sync.OnceValue(func() *converter {
	cc, err := gocc.New("t2s")
	if err != nil {
		panic("normalize: OpenCC t2s: " + err.Error()) // embedded data: cannot happen
	}
	c := &converter{cc: cc, traditional: make([]rune, tableEnd-tableStart+1)}
	for _, block := range [][2]rune{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}} {
		for r := block[0]; r <= block[1]; r++ {
			out, err := cc.Convert(string(r))
			if err == nil && out != string(r) {
				if s, size := utf8.DecodeRuneInString(out); size == len(out) {
					c.traditional[r-tableStart] = s
				}
			}
		}
	}
	return c
})

// simplified returns the Simplified form of each rune of s, one for one,
// or nil when s has no Traditional character: the phrase-aware conversion
// when it keeps the rune count (it always has, on OpenCC's data), else
// character by character.
func (c *converter) simplified(s string) []rune {
	hasTraditional := false
	for _, r := range s {
		if _, ok := c.lookup(r); ok {
			hasTraditional = true
			break
		}
	}
	if !hasTraditional {
		return nil
	}
	runes := []rune(s)
	if out, err := c.cc.Convert(s); err == nil {
		if conv := []rune(out); len(conv) == len(runes) {
			return conv
		}
	}
	for i, r := range runes {
		if s, ok := c.lookup(r); ok {
			runes[i] = s
		}
	}
	return runes
}

// New normalizes s.
func New(s string) Text {
	t := Text{orig: s, simp: t2s().simplified(s)}
	var b strings.Builder
	b.Grow(len(s))
	k := 0
	for _, r := range s { // walk's loop, inlined: this is the hot path
		if t.simp != nil {
			r = t.simp[k]
		}
		k++
		if n := fold(r); n >= 0 {
			b.WriteRune(n)
		}
	}
	t.Norm = b.String()
	return t
}

// walk calls visit with the byte span in the original text and the
// normalized form of each rune that normalization keeps, until visit
// returns false.
func (t Text) walk(visit func(start, end int, norm rune) bool) {
	k := 0
	for i, r := range t.orig {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			size = 1
		}
		if t.simp != nil {
			r = t.simp[k]
		}
		k++
		if n := fold(r); n >= 0 && !visit(i, i+size, n) {
			return
		}
	}
}

// fold maps one rune to its matching form, or -1 to drop it.
func fold(r rune) rune {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF, r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return r // the common case: CJK ideographs, lower-case letters, digits
	case r >= 'A' && r <= 'Z':
		return r + 'a' - 'A'
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

// Quoter returns a function that gives the words as written that
// normalized bytes [from, to) came from ("" for a span that does not start
// and end on runes of Norm). It walks the utterance once, when a hit first
// needs it, and then answers each span at once: an utterance with
// thousands of hits stays linear. (Keeping the map for every utterance
// would cost more than the normalization itself; most have no hit.)
func (t Text) Quoter() func(from, to int) string {
	starts := make([]int, len(t.Norm)+1) // original start of the rune at each normalized byte
	ends := make([]int, len(t.Norm)+1)   // original end of the rune ending at each normalized byte
	for i := range starts {
		starts[i], ends[i] = -1, -1
	}
	pos := 0
	t.walk(func(s, e int, n rune) bool {
		starts[pos] = s
		pos += utf8.RuneLen(n)
		ends[pos] = e
		return true
	})
	return func(from, to int) string {
		if from < 0 || to > len(t.Norm) || from >= to || starts[from] < 0 || ends[to] < 0 {
			return ""
		}
		return t.orig[starts[from]:ends[to]]
	}
}
