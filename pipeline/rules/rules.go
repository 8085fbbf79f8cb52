// Package rules applies a lexicon to a transcript: it finds forbidden
// phrases and missing required ones, as hits that quote the words, the
// speaker and the time.
package rules

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/normalize"
	"github.com/callqa/callqa/pipeline/segment"
	"github.com/callqa/callqa/pipeline/transcript"
)

// Hit is one finding. A missing required phrase is a hit without words: its
// Start and End are the window that was searched and SegmentIndex is -1.
// Start and End mean nothing when Timed is false (a transcript without
// times).
type Hit struct {
	RuleID, Kind, Category, Severity string
	Speaker                          string
	Start, End                       float64
	Timed                            bool
	SegmentIndex                     int
	Text                             string // the whole utterance as written
	Matched                          string // the matched words as written

	pos int // byte offset of the match in the normalized utterance, for ordering
}

// Cutter splits text into words (segment.Segmenter).
type Cutter interface {
	Cut(text string) []segment.Token
}

// Matcher is a compiled lexicon. It is read-only and safe for concurrent use.
type Matcher struct {
	settings lexicon.Settings
	rules    []rule
}

type rule struct {
	lexicon.Rule
	phrases []string // normalized
}

// Compile prepares a lexicon for matching.
func Compile(lex *lexicon.Lexicon) *Matcher {
	m := &Matcher{settings: lex.Settings}
	for _, r := range lex.Rules {
		c := rule{Rule: r}
		for _, p := range r.Phrases {
			if n := normalize.New(p).Norm; n != "" && !slices.Contains(c.phrases, n) {
				c.phrases = append(c.phrases, n)
			}
		}
		m.rules = append(m.rules, c)
	}
	return m
}

// Words returns the normalized phrases, to be added to the segmenter's
// dictionary so that jieba keeps them whole.
func (m *Matcher) Words() []string {
	var out []string
	for _, r := range m.rules {
		out = append(out, r.phrases...)
	}
	return out
}

// Result is what the rules found in one call.
type Result struct {
	Hits        []Hit
	BannedCount int
	// GreetingOK and ClosingOK are nil when the lexicon has no rule for
	// the opening or the closing window.
	GreetingOK, ClosingOK *bool
}

// utterance is a segment prepared for matching.
type utterance struct {
	transcript.Segment
	index    int
	text     normalize.Text
	boundary []bool // boundary[i]: a token starts or ends at byte i of text.Norm
}

// prepare normalizes and cuts one utterance. (Cutting a call's utterances
// joined in one call into jieba was measured slower: cppjieba is quicker on
// short texts.)
func prepare(i int, s transcript.Segment, cut Cutter) utterance {
	u := utterance{Segment: s, index: i, text: normalize.New(s.Text)}
	u.boundary = make([]bool, len(u.text.Norm)+1)
	for _, t := range cut.Cut(u.text.Norm) {
		u.boundary[t.Start], u.boundary[t.End] = true, true
	}
	return u
}

// find returns the non-overlapping whole-word matches of phrases in u,
// longest first where two overlap, as byte spans of the normalized text.
func (u *utterance) find(phrases []string) [][2]int {
	var spans [][2]int
	for _, p := range phrases {
		for from := 0; ; {
			i := strings.Index(u.text.Norm[from:], p)
			if i < 0 {
				break
			}
			start, end := from+i, from+i+len(p)
			if u.boundary[start] && u.boundary[end] {
				spans = append(spans, [2]int{start, end})
			}
			_, size := utf8.DecodeRuneInString(u.text.Norm[start:])
			from = start + size
		}
	}
	slices.SortFunc(spans, func(a, b [2]int) int {
		return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(b[1]-b[0], a[1]-a[0]))
	})
	var kept [][2]int
	for _, s := range spans {
		overlaps := slices.ContainsFunc(kept, func(k [2]int) bool { return s[0] < k[1] && k[0] < s[1] })
		if !overlaps {
			kept = append(kept, s)
		}
	}
	return kept
}

func (r *rule) appliesTo(speaker string) bool {
	return r.Speaker == lexicon.SpeakerAny || r.Speaker == speaker
}

// Match checks every rule against the transcript of a call that ends at
// callEnd seconds (the recording's length, or the last segment's end).
// Without times, the opening and closing windows are counted in the
// speaker's turns (greeting_window_turns, closing_window_turns).
func (m *Matcher) Match(t *transcript.Transcript, cut Cutter, callEnd float64) Result {
	utts := make([]utterance, len(t.Segments))
	for i, s := range t.Segments {
		utts[i] = prepare(i, s, cut)
	}
	var res Result
	greeting, closing := true, true
	var haveGreeting, haveClosing bool
	for i := range m.rules {
		r := &m.rules[i]
		switch r.Kind {
		case lexicon.KindBanned:
			for _, u := range utts {
				if !r.appliesTo(u.Speaker) {
					continue
				}
				for _, span := range u.find(r.phrases) {
					h := r.hit(u, span)
					h.Timed = t.Timed
					res.Hits = append(res.Hits, h)
					res.BannedCount++
				}
			}
		case lexicon.KindRequired:
			from, to := m.window(r.Window, callEnd)
			inWindow := func(u utterance) bool { return u.Start < to && u.End > from }
			if !t.Timed {
				inWindow = m.turnWindow(r, utts)
			}
			found := slices.ContainsFunc(utts, func(u utterance) bool {
				return r.appliesTo(u.Speaker) && inWindow(u) && len(u.find(r.phrases)) > 0
			})
			if !found {
				res.Hits = append(res.Hits, Hit{
					RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
					Speaker: r.Speaker, Start: from, End: to, Timed: t.Timed, SegmentIndex: -1,
				})
			}
			switch r.Window {
			case lexicon.WindowOpening:
				haveGreeting, greeting = true, greeting && found
			case lexicon.WindowClosing:
				haveClosing, closing = true, closing && found
			}
		}
	}
	if haveGreeting {
		res.GreetingOK = &greeting
	}
	if haveClosing {
		res.ClosingOK = &closing
	}
	// Time order, and word order within an utterance.
	slices.SortStableFunc(res.Hits, func(a, b Hit) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.SegmentIndex, b.SegmentIndex), cmp.Compare(a.pos, b.pos))
	})
	return res
}

// turnWindow returns whether an utterance is among the first (opening) or
// last (closing) turns of the rule's speaker, for transcripts without times.
func (m *Matcher) turnWindow(r *rule, utts []utterance) func(utterance) bool {
	var turns []int // indexes of the speaker's utterances
	for _, u := range utts {
		if r.appliesTo(u.Speaker) {
			turns = append(turns, u.index)
		}
	}
	switch r.Window {
	case lexicon.WindowOpening:
		turns = turns[:min(len(turns), m.settings.GreetingWindowTurns)]
	case lexicon.WindowClosing:
		turns = turns[max(0, len(turns)-m.settings.ClosingWindowTurns):]
	}
	return func(u utterance) bool { return slices.Contains(turns, u.index) }
}

// window returns the time span a required rule searches.
func (m *Matcher) window(w string, callEnd float64) (from, to float64) {
	switch w {
	case lexicon.WindowOpening:
		return 0, min(m.settings.GreetingWindowS, callEnd)
	case lexicon.WindowClosing:
		return max(0, callEnd-m.settings.ClosingWindowS), callEnd
	}
	return 0, callEnd
}

func (r *rule) hit(u utterance, span [2]int) Hit {
	return Hit{
		RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
		Speaker: u.Speaker, Start: u.Start, End: u.End, SegmentIndex: u.index,
		Text: u.Text, Matched: u.text.Original(span[0], span[1]), pos: span[0],
	}
}

// Finds reports whether rule id matches text said by its speaker, ignoring
// windows: how a rule's examples are checked.
func (m *Matcher) Finds(id, text string, cut Cutter) bool {
	for i := range m.rules {
		if m.rules[i].ID == id {
			u := prepare(0, transcript.Segment{Text: text}, cut)
			return len(u.find(m.rules[i].phrases)) > 0
		}
	}
	return false
}
