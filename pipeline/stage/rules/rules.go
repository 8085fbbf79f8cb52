// Package rules applies a lexicon to a transcript: it finds forbidden
// phrases, missing required ones and unanswered triggers, as hits that
// quote the words, the speaker and the time.
package rules

import (
	"cmp"
	"slices"
	"unicode/utf8"

	ahocorasick "github.com/BobuSumisu/aho-corasick"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/normalize"
	"github.com/callqa/callqa/pipeline/stage/segment"
	"github.com/callqa/callqa/pipeline/stage/transcript"
)

// Hit is one finding. A missing required phrase is a hit without words: its
// Start and End are the window that was searched and SegmentIndex is -1.
// An unanswered trigger quotes the trigger. Start and End mean nothing when
// Timed is false (a transcript without times).
type Hit struct {
	RuleID, Kind, Category, Severity string
	Speaker                          string
	Start, End                       float64
	Timed                            bool
	SegmentIndex                     int
	Text                             string // the whole utterance as written
	Matched                          string // the matched words as written
	// Value is what an audio rule measured (seconds, a ratio, characters
	// per minute) when HasValue.
	Value    float64
	HasValue bool

	pos int // byte offset of the match in the normalized utterance, for ordering
}

// Cutter splits text into words (segment.Segmenter).
type Cutter interface {
	Cut(text string) []segment.Token
}

// Matcher is a compiled lexicon: every phrase of every rule in one
// Aho-Corasick automaton, so an utterance is scanned once whatever the
// number of rules. It is read-only and safe for concurrent use.
type Matcher struct {
	settings lexicon.Settings
	rules    []rule
	trie     *ahocorasick.Trie
	patterns []string // normalized, by automaton index
}

type near struct {
	a, b   []int
	within int // runes between the two
}

// rule is a lexicon rule with its phrases as automaton pattern indexes.
type rule struct {
	lexicon.Rule
	phrases, exceptions, trigger []int
	allOf                        [][]int
	near                         []near
	fuzzy                        [][]rune // normalized phrases that may match with Tolerance edits
}

// Compile prepares a lexicon for matching.
func Compile(lex *lexicon.Lexicon) *Matcher {
	m := &Matcher{settings: lex.Settings}
	index := map[string]int{}
	ids := func(phrases []string) []int {
		var out []int
		for _, p := range phrases {
			n := normalize.New(p).Norm
			if n == "" {
				continue
			}
			id, ok := index[n]
			if !ok {
				id = len(m.patterns)
				index[n] = id
				m.patterns = append(m.patterns, n)
			}
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	}
	for _, r := range lex.Rules {
		c := rule{Rule: r, phrases: ids(r.Phrases), exceptions: ids(r.Exceptions)}
		for _, g := range r.AllOf {
			c.allOf = append(c.allOf, ids(g))
		}
		for _, n := range r.Near {
			c.near = append(c.near, near{a: ids(n.A), b: ids(n.B), within: n.Within})
		}
		if r.When != nil {
			c.trigger = ids(r.When.Phrases)
		}
		if r.Tolerance > 0 {
			for _, p := range c.phrases {
				if runes := []rune(m.patterns[p]); len(runes) >= minFuzzyRunes {
					c.fuzzy = append(c.fuzzy, runes)
				}
			}
		}
		m.rules = append(m.rules, c)
	}
	m.trie = ahocorasick.NewTrieBuilder().AddStrings(m.patterns).Build()
	return m
}

// minFuzzyRunes: shorter phrases must match exactly, since one changed
// character in a short phrase makes another phrase.
const minFuzzyRunes = 5

// Words returns the normalized phrases, to be added to the segmenter's
// dictionary so that jieba keeps them whole.
func (m *Matcher) Words() []string { return slices.Clone(m.patterns) }

// Result is what the rules found in one call.
type Result struct {
	Hits        []Hit
	BannedCount int
	// GreetingOK and ClosingOK are nil when the lexicon has no rule for
	// the opening or the closing window.
	GreetingOK, ClosingOK *bool
}

// span is a byte range of a normalized utterance.
type span struct{ start, end int }

func (s span) within(o span) bool { return o.start <= s.start && s.end <= o.end }

// utterance is a segment prepared for matching.
type utterance struct {
	transcript.Segment
	index int
	text  normalize.Text
	// whole[p] are the occurrences of pattern p that start and end on
	// jieba word boundaries; any[p] all of them (for exceptions).
	whole, any map[int][]span
}

func (m *Matcher) prepare(i int, s transcript.Segment, cut Cutter) utterance {
	u := utterance{Segment: s, index: i, text: normalize.New(s.Text)}
	matches := m.trie.MatchString(u.text.Norm)
	if len(matches) == 0 {
		return u // no phrase here: jieba is not needed
	}
	boundary := make([]bool, len(u.text.Norm)+1)
	for _, t := range cut.Cut(u.text.Norm) {
		boundary[t.Start], boundary[t.End] = true, true
	}
	u.whole, u.any = map[int][]span{}, map[int][]span{}
	for _, match := range matches {
		p := int(match.Pattern())
		sp := span{int(match.Pos()), int(match.Pos()) + len(m.patterns[p])}
		u.any[p] = append(u.any[p], sp)
		if boundary[sp.start] && boundary[sp.end] {
			u.whole[p] = append(u.whole[p], sp)
		}
	}
	return u
}

// find returns the spans where the rule's phrases, all_of groups or near
// pairs match in u, less those inside an exception, without overlaps
// (longest first).
func (r *rule) find(u *utterance) []span {
	var spans []span
	for _, p := range r.phrases {
		spans = append(spans, u.whole[p]...)
	}
	for _, g := range r.allOf {
		if cover, ok := u.allOf(g); ok {
			spans = append(spans, cover)
		}
	}
	for _, n := range r.near {
		spans = append(spans, u.near(n)...)
	}
	spans = slices.DeleteFunc(spans, func(s span) bool {
		for _, e := range r.exceptions {
			if slices.ContainsFunc(u.any[e], func(x span) bool { return s.within(x) }) {
				return true
			}
		}
		return false
	})
	slices.SortFunc(spans, func(a, b span) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(b.end-b.start, a.end-a.start))
	})
	var kept []span
	for _, s := range spans {
		if !slices.ContainsFunc(kept, func(k span) bool { return s.start < k.end && k.start < s.end }) {
			kept = append(kept, s)
		}
	}
	return kept
}

// allOf reports whether every pattern of g occurs, and the span covering
// their first occurrences.
func (u *utterance) allOf(g []int) (span, bool) {
	cover := span{len(u.text.Norm), 0}
	for _, p := range g {
		occ := u.whole[p]
		if len(occ) == 0 {
			return span{}, false
		}
		cover.start, cover.end = min(cover.start, occ[0].start), max(cover.end, occ[0].end)
	}
	return cover, true
}

// near returns the spans covering an occurrence of A and one of B with at
// most within runes between them, in either order.
func (u *utterance) near(n near) []span {
	var out []span
	for _, a := range n.a {
		for _, b := range n.b {
			for _, x := range u.whole[a] {
				for _, y := range u.whole[b] {
					first, second := x, y
					if y.start < x.start {
						first, second = y, x
					}
					gap := 0
					if second.start > first.end {
						gap = utf8.RuneCountInString(u.text.Norm[first.end:second.start])
					}
					if gap <= n.within {
						out = append(out, span{first.start, max(first.end, second.end)})
					}
				}
			}
		}
	}
	return out
}

func (r *rule) appliesTo(speaker string) bool {
	return r.Speaker == lexicon.SpeakerAny || r.Speaker == speaker
}

// Match checks every rule against the transcript of a call that ends at
// callEnd seconds (the recording's length, or the last segment's end).
// Without times, windows are counted in the speaker's turns.
func (m *Matcher) Match(t *transcript.Transcript, cut Cutter, callEnd float64) Result {
	utts := make([]utterance, len(t.Segments))
	for i, s := range t.Segments {
		utts[i] = m.prepare(i, s, cut)
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
				for _, sp := range r.find(&u) {
					res.Hits = append(res.Hits, r.hit(u, sp, t.Timed))
					res.BannedCount++
				}
			}
		case lexicon.KindRequired:
			found, h := m.required(r, utts, t.Timed, callEnd)
			if !found {
				res.Hits = append(res.Hits, h)
			}
			switch r.Window.Name {
			case lexicon.WindowOpening:
				haveGreeting, greeting = true, greeting && found
			case lexicon.WindowClosing:
				haveClosing, closing = true, closing && found
			}
		case lexicon.KindConditional:
			res.Hits = append(res.Hits, m.conditional(r, utts, t.Timed)...)
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

// required looks for one of a required rule's phrases in its window; when
// there is none it returns the hit to report.
func (m *Matcher) required(r *rule, utts []utterance, timed bool, callEnd float64) (bool, Hit) {
	from, to := 0.0, callEnd
	inWindow := func(u utterance) bool { return true }
	w := r.Window
	turns := 0 // a window in turns: > 0 the first, < 0 the last
	switch {
	case w.FirstTurns > 0:
		turns = w.FirstTurns
	case w.LastTurns > 0:
		turns = -w.LastTurns
	case w.Name == lexicon.WindowOpening && !timed, w.FirstS > 0 && !timed:
		turns = m.settings.GreetingWindowTurns
	case w.Name == lexicon.WindowClosing && !timed, w.LastS > 0 && !timed:
		turns = -m.settings.ClosingWindowTurns
	case w.Name == lexicon.WindowOpening:
		to = min(m.settings.GreetingWindowS, callEnd)
	case w.Name == lexicon.WindowClosing:
		from = max(0, callEnd-m.settings.ClosingWindowS)
	case w.FirstS > 0:
		to = min(w.FirstS, callEnd)
	case w.LastS > 0:
		from = max(0, callEnd-w.LastS)
	}
	if turns != 0 {
		inWindow = r.turnWindow(utts, turns)
	} else if timed {
		inWindow = func(u utterance) bool { return u.Start < to && u.End > from }
	}
	found := slices.ContainsFunc(utts, func(u utterance) bool {
		return r.appliesTo(u.Speaker) && inWindow(u) && (len(r.find(&u)) > 0 || r.fuzzyFind(u))
	})
	return found, Hit{
		RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
		Speaker: r.Speaker, Start: from, End: to, Timed: timed && turns == 0, SegmentIndex: -1,
	}
}

// turnWindow returns whether an utterance is among the first n (n > 0) or
// last -n (n < 0) turns of the rule's speaker.
func (r *rule) turnWindow(utts []utterance, n int) func(utterance) bool {
	var turns []int // indexes of the speaker's utterances
	for _, u := range utts {
		if r.appliesTo(u.Speaker) {
			turns = append(turns, u.index)
		}
	}
	if n > 0 {
		turns = turns[:min(len(turns), n)]
	} else {
		turns = turns[max(0, len(turns)+n):]
	}
	return func(u utterance) bool { return slices.Contains(turns, u.index) }
}

// fuzzyFind looks for a long required phrase with up to Tolerance runes
// dropped, added or changed: ASR damage (您好很高兴您服务).
func (r *rule) fuzzyFind(u utterance) bool {
	if len(r.fuzzy) == 0 {
		return false
	}
	text := []rune(u.text.Norm)
	return slices.ContainsFunc(r.fuzzy, func(p []rune) bool { return withinEdits(p, text, r.Tolerance) })
}

// withinEdits reports whether pattern occurs in text with at most k edits
// (Sellers' approximate substring matching).
func withinEdits(pattern, text []rune, k int) bool {
	prev := make([]int, len(pattern)+1)
	cur := make([]int, len(pattern)+1)
	for i := range prev {
		prev[i] = i
	}
	if prev[len(pattern)] <= k {
		return true
	}
	for _, c := range text {
		cur[0] = 0 // a match may start anywhere
		for i, p := range pattern {
			cost := 1
			if p == c {
				cost = 0
			}
			cur[i+1] = min(prev[i]+cost, prev[i+1]+1, cur[i]+1)
		}
		if cur[len(pattern)] <= k {
			return true
		}
		prev, cur = cur, prev
	}
	return false
}

// conditional finds triggers of a conditional rule that the speaker did not
// answer in time. Consecutive triggers before the speaker's next turn count
// as one.
func (m *Matcher) conditional(r *rule, utts []utterance, timed bool) []Hit {
	var hits []Hit
	answeredUntil := -1 // utterances up to here were covered by an earlier trigger
	for i := range utts {
		u := &utts[i]
		if i <= answeredUntil || !(r.When.Speaker == lexicon.SpeakerAny || u.Speaker == r.When.Speaker) {
			continue
		}
		trig := r.triggerSpans(u)
		if len(trig) == 0 {
			continue
		}
		turns, answered, last := 0, false, i
		for j := i + 1; j < len(utts) && !answered; j++ {
			v := &utts[j]
			if !r.appliesTo(v.Speaker) {
				continue
			}
			if r.Within.Turns > 0 && turns >= r.Within.Turns {
				break
			}
			if timed && r.Within.Seconds > 0 && v.Start > u.End+r.Within.Seconds {
				break
			}
			turns++
			last = j
			answered = len(r.find(v)) > 0
		}
		answeredUntil = last
		if !answered {
			h := Hit{
				RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
				Speaker: r.Speaker, Start: u.Start, End: u.End, Timed: timed, SegmentIndex: u.index,
				Text: u.Text, Matched: u.text.Original(trig[0].start, trig[0].end), pos: trig[0].start,
			}
			hits = append(hits, h)
		}
	}
	return hits
}

// triggerSpans are the trigger's occurrences in u, less exceptions.
func (r *rule) triggerSpans(u *utterance) []span {
	t := rule{Rule: r.Rule, phrases: r.trigger, exceptions: r.exceptions}
	return t.find(u)
}

func (r *rule) hit(u utterance, sp span, timed bool) Hit {
	return Hit{
		RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
		Speaker: u.Speaker, Start: u.Start, End: u.End, Timed: timed, SegmentIndex: u.index,
		Text: u.Text, Matched: u.text.Original(sp.start, sp.end), pos: sp.start,
	}
}

// Finds reports whether rule id matches text, ignoring speakers and
// windows: how a rule's examples are checked. For a conditional rule it is
// the answer that is matched.
func (m *Matcher) Finds(id, text string, cut Cutter) bool {
	for i := range m.rules {
		r := &m.rules[i]
		if r.ID == id {
			u := m.prepare(0, transcript.Segment{Text: text}, cut)
			return len(r.find(&u)) > 0 || r.fuzzyFind(u)
		}
	}
	return false
}
