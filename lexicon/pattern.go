package lexicon

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Pattern is a pattern of a rule, expanded: pieces that must follow each
// other in one utterance, each any one of its literal phrases, with a gap
// of GapMin to GapMax characters before the next piece.
//
// Patterns are written so that QA staff can read them:
//
//	这(个|件)?(事|事情){0-4}管不了{particle}?
//
// (a|b) is one of the alternatives, (…)? and {class}? are optional, {class}
// is any member of a named word class, and {M-N} (or {N}, meaning 0 to N)
// is a gap: then, within M to N characters of anything, the rest. Spaces
// are ignored. Each piece expands to a finite set of phrases that one
// automaton matches together with all other phrases, so a pattern costs no
// more at run time than its phrases written out.
type Pattern []Piece

// Piece is one gap-free part of a pattern.
type Piece struct {
	Phrases        []string
	GapMin, GapMax int // characters after this piece before the next one
}

// Limits of patterns.
const (
	// maxExpansion is the most phrases one piece of a pattern may expand
	// to; lint warns from LintExpansion on.
	maxExpansion  = 10_000
	LintExpansion = 1_000
	// maxGap is the longest gap a pattern may have, in characters.
	maxGap = 50
)

// expand expands a pattern with the given word classes.
func expand(pattern string, classes map[string][]string) (Pattern, error) {
	p := &patternParser{src: []rune(pattern), classes: classes}
	out, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return out, nil
}

// classNames lists the classes a pattern refers to, so that a file can be
// checked before the classes of other layers are known.
func classNames(pattern string) ([]string, error) {
	var names []string
	p := &patternParser{src: []rune(pattern), classes: nil, collect: &names}
	if _, err := p.parse(); err != nil {
		return nil, fmt.Errorf("pattern %q: %w", pattern, err)
	}
	return names, nil
}

type patternParser struct {
	src     []rune
	pos     int
	classes map[string][]string
	collect *[]string // when set, class names are collected, not expanded
}

func (p *patternParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at character %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *patternParser) peek() rune {
	for p.pos < len(p.src) && unicode.IsSpace(p.src[p.pos]) {
		p.pos++
	}
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

// parse reads the whole pattern: pieces separated by gaps.
func (p *patternParser) parse() (Pattern, error) {
	var out Pattern
	cur := []string{""}
	for {
		r := p.peek()
		if r == 0 {
			break
		}
		if r == ')' || r == '|' {
			return nil, p.errorf("unbalanced %q", r)
		}
		if gmin, gmax, ok, err := p.gap(); err != nil {
			return nil, err
		} else if ok {
			if len(out) == 0 && isEmpty(cur) {
				return nil, p.errorf("a pattern cannot start with a gap")
			}
			out = append(out, Piece{Phrases: dedupe(cur), GapMin: gmin, GapMax: gmax})
			cur = []string{""}
			continue
		}
		alts, err := p.atom()
		if err != nil {
			return nil, err
		}
		if cur, err = product(cur, alts); err != nil {
			return nil, p.errorf("%v", err)
		}
	}
	if isEmpty(cur) {
		if len(out) > 0 {
			return nil, p.errorf("a pattern cannot end with a gap")
		}
		return nil, p.errorf("empty pattern")
	}
	out = append(out, Piece{Phrases: dedupe(cur)})
	for _, piece := range out {
		if slices.Contains(piece.Phrases, "") {
			return nil, fmt.Errorf("a piece can be empty: make at least one part of it required")
		}
	}
	return out, nil
}

// gap reads {N} or {M-N} if it stands at the current position.
func (p *patternParser) gap() (gmin, gmax int, ok bool, err error) {
	if p.peek() != '{' {
		return 0, 0, false, nil
	}
	end := p.pos + 1
	for end < len(p.src) && p.src[end] != '}' {
		end++
	}
	if end >= len(p.src) {
		return 0, 0, false, p.errorf("unclosed {")
	}
	body := strings.TrimSpace(string(p.src[p.pos+1 : end]))
	if body == "" || !unicode.IsDigit([]rune(body)[0]) {
		return 0, 0, false, nil // a class
	}
	lo, hi, isRange := strings.Cut(body, "-")
	if !isRange {
		lo, hi = "0", body
	}
	gmin, err1 := strconv.Atoi(strings.TrimSpace(lo))
	gmax, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || gmin < 0 || gmin > gmax || gmax > maxGap {
		return 0, 0, false, p.errorf("gap {%s}: want {N} or {M-N} with 0 <= M <= N <= %d", body, maxGap)
	}
	p.pos = end + 1
	return gmin, gmax, true, nil
}

// atom reads one character, a group or a class, with an optional "?".
func (p *patternParser) atom() ([]string, error) {
	var alts []string
	switch r := p.peek(); r {
	case '(':
		p.pos++
		var err error
		if alts, err = p.group(); err != nil {
			return nil, err
		}
	case '{':
		end := p.pos + 1
		for end < len(p.src) && p.src[end] != '}' {
			end++
		}
		name := strings.TrimSpace(string(p.src[p.pos+1 : end]))
		if name == "" {
			return nil, p.errorf("empty class name {}")
		}
		if p.collect != nil {
			*p.collect = append(*p.collect, name)
			alts = []string{"\x00" + name} // a placeholder: only the syntax is checked
		} else {
			members, ok := p.classes[name]
			if !ok {
				return nil, p.errorf("no class %q", name)
			}
			alts = members
		}
		p.pos = end + 1
	case '?', '}':
		return nil, p.errorf("unexpected %q", r)
	default:
		p.pos++
		alts = []string{string(r)}
	}
	if p.peek() == '?' {
		p.pos++
		alts = append([]string{""}, alts...)
	}
	return alts, nil
}

// group reads alternatives up to the closing parenthesis.
func (p *patternParser) group() ([]string, error) {
	var alts []string
	cur := []string{""}
	for {
		switch r := p.peek(); r {
		case 0:
			return nil, p.errorf("unclosed (")
		case '|':
			p.pos++
			alts = append(alts, cur...)
			cur = []string{""}
			continue
		case ')':
			p.pos++
			return dedupe(append(alts, cur...)), nil
		}
		if _, _, ok, err := p.gap(); err != nil {
			return nil, err
		} else if ok {
			return nil, p.errorf("a gap cannot stand inside ( )")
		}
		a, err := p.atom()
		if err != nil {
			return nil, err
		}
		if cur, err = product(cur, a); err != nil {
			return nil, p.errorf("%v", err)
		}
	}
}

// product is every a followed by every b, bounded by maxExpansion.
func product(a, b []string) ([]string, error) {
	if len(a)*len(b) > maxExpansion {
		return nil, fmt.Errorf("expands to more than %d phrases: split it into several patterns", maxExpansion)
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return out, nil
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func isEmpty(s []string) bool { return len(s) == 1 && s[0] == "" }
