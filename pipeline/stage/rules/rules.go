// Package rules applies a lexicon to a transcript: it finds forbidden
// phrases, missing required ones and unanswered triggers, as hits that
// quote the words, the speaker and the time.
package rules

import (
	"cmp"
	"iter"
	"math/bits"
	"slices"
	"sync"
	"unicode"

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
	// Evidence are the turns beside the words that made the hit fire: the
	// customer's turn a reply rule answers ("customer: …"), or the
	// labelled examples nearest to a similarity hit.
	Evidence []string

	pos int // byte offset of the match in the normalized utterance, for ordering
}

// Cutter splits text into words (segment.Segmenter).
type Cutter interface {
	Cut(text string) []segment.Token
}

// Matcher is a compiled lexicon: every phrase of every rule in one
// Aho-Corasick automaton, so an utterance is scanned once whatever the
// number of rules. It is safe for concurrent use. The text rules are
// compiled when a transcript first needs them: a run over recordings alone
// checks only the audio rules and never pays for it.
type Matcher struct {
	lex      *lexicon.Lexicon
	settings lexicon.Settings
	compiled sync.Once
	rules    []rule
	ac       *automaton
	patterns []string // normalized, by automaton index
	// heard[speaker] are the patterns some rule looks for in that
	// speaker's words: an utterance where none occurs needs no jieba.
	heard map[string]set
	// piecesOf[p] are the pieces (see rule.needs) pattern p is a member of,
	// and pieceRule[i] the rule (by index) of piece i: the few rules an
	// utterance's patterns can concern, found without asking all.
	piecesOf  [][]int32
	pieceRule []int32
	// contextual are the patterns of triggers, answered_by and
	// unless_next: words that matter in a turn no rule may match.
	contextual set
}

type near struct {
	a, b   set
	within int // runes between the two
}

// sequence is a pattern with gaps: pieces (automaton pattern indexes) that
// must follow each other within gaps[i] characters.
type sequence struct {
	pieces []set
	gaps   []gap // gaps[i] is between pieces[i] and pieces[i+1]
}

// set is a set of automaton pattern indexes. A rule's phrases are a set,
// so that matching visits the few phrases that occur in an utterance, not
// the thousands a rule's patterns may expand to. It is a bitmap from its
// lowest member: a rule's patterns get neighbouring indexes, so the bitmap
// stays small, and a membership test (the matcher's commonest step; a map
// made matching twice as slow) is a shift and a mask.
type set struct {
	lo   int
	bits []uint64
}

func setOf(ids []int) set {
	if len(ids) == 0 {
		return set{}
	}
	lo, hi := slices.Min(ids), slices.Max(ids)
	s := set{lo: lo, bits: make([]uint64, (hi-lo)/64+1)}
	for _, id := range ids {
		i := id - lo
		s.bits[i/64] |= 1 << (i % 64)
	}
	return s
}

func (s set) has(p int) bool {
	i := uint(p - s.lo) // below lo wraps around to a large number
	return i/64 < uint(len(s.bits)) && s.bits[i/64]&(1<<(i%64)) != 0
}

// members lists the set in increasing order.
func (s set) members() []int {
	var out []int
	for w, word := range s.bits {
		for ; word != 0; word &= word - 1 {
			out = append(out, s.lo+w*64+bits.TrailingZeros64(word))
		}
	}
	return out
}

type gap struct{ min, max int }

// rule is a lexicon rule with its phrases as automaton pattern indexes.
type rule struct {
	lexicon.Rule
	index                        int // in Matcher.rules; -1 for a trigger's stand-in
	phrases, exceptions, trigger set
	answeredBy, unlessNext       set   // see lexicon.Trigger.AnsweredBy and Rule.UnlessNext
	written                      []int // the phrases listed as such (not patterns): they may get tolerance
	// needs are the ways the rule may match, as pieces (numbered across
	// the matcher) that must all occur: its phrases, each all_of group,
	// both sides of each near, the pieces of each sequence.
	needs       [][]int32
	allOf       [][]int
	near        []near
	sequences   []sequence
	fuzzy       []fuzzy // normalized phrases that may match with a few edits
	fuzzyChunks chunkIndex
}

// fuzzy is a required phrase that may match with up to edits characters
// dropped, added or changed.
type fuzzy struct {
	phrase []rune
	edits  int
}

// Compile prepares a lexicon for matching.
func Compile(lex *lexicon.Lexicon) *Matcher {
	return &Matcher{lex: lex, settings: lex.Settings}
}

// compile builds the text rules, once.
func (m *Matcher) compile() { m.compiled.Do(m.compileText) }

func (m *Matcher) compileText() {
	lex := m.lex
	index := map[string]int{}
	ids := func(phrases []string) []int {
		var out []int
		seen := map[int]bool{}
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
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
		return out
	}
	for _, r := range lex.Rules {
		c := rule{Rule: r, index: len(m.rules), written: ids(r.Phrases), exceptions: setOf(ids(r.Exceptions))}
		phrases := slices.Clone(c.written)
		for _, g := range r.AllOf {
			c.allOf = append(c.allOf, ids(g))
		}
		for _, n := range r.Near {
			c.near = append(c.near, near{a: setOf(ids(n.A)), b: setOf(ids(n.B)), within: n.Within})
		}
		if r.When != nil {
			c.trigger = setOf(ids(r.When.Phrases))
			c.answeredBy = setOf(ids(r.When.AnsweredBy))
		}
		c.unlessNext = setOf(ids(r.UnlessNext))
		for _, p := range r.Expanded() {
			if len(p) == 1 {
				phrases = append(phrases, ids(p[0].Phrases)...)
				continue
			}
			var seq sequence
			for i, piece := range p {
				seq.pieces = append(seq.pieces, setOf(ids(piece.Phrases)))
				if i < len(p)-1 {
					seq.gaps = append(seq.gaps, gap{piece.GapMin, piece.GapMax})
				}
			}
			c.sequences = append(c.sequences, seq)
		}
		c.phrases = setOf(phrases)
		m.rules = append(m.rules, c)
	}
	var contextual []int
	for _, r := range m.rules {
		for _, s := range []set{r.trigger, r.answeredBy, r.unlessNext} {
			contextual = append(contextual, s.members()...)
		}
	}
	m.contextual = setOf(contextual)
	m.indexPieces()
	m.compileFuzzy()
	m.ac = newAutomaton(m.patterns)
	m.heard = m.speakersOfPatterns()
}

// speakersOfPatterns says whose words each pattern is looked for in: a
// rule's phrases and exceptions in its speaker's, a trigger in the
// trigger speaker's.
func (m *Matcher) speakersOfPatterns() map[string]set {
	heard := map[string][]int{lexicon.SpeakerAgent: nil, lexicon.SpeakerCustomer: nil}
	add := func(speaker string, sets ...set) {
		for who := range heard {
			if speaker != lexicon.SpeakerAny && speaker != who {
				continue
			}
			for _, s := range sets {
				heard[who] = append(heard[who], s.members()...)
			}
		}
	}
	for i := range m.rules {
		r := &m.rules[i]
		add(r.Speaker, r.phrases, r.exceptions, r.answeredBy, r.unlessNext)
		for _, g := range r.allOf {
			add(r.Speaker, setOf(g))
		}
		for _, n := range r.near {
			add(r.Speaker, n.a, n.b)
		}
		for _, q := range r.sequences {
			add(r.Speaker, q.pieces...)
		}
		if r.When != nil {
			add(r.When.Speaker, r.trigger, r.exceptions)
		}
	}
	sets := map[string]set{}
	for who, ids := range heard {
		sets[who] = setOf(ids)
	}
	return sets
}

// minFuzzyRunes: shorter phrases must match exactly, since one changed
// character in a short phrase makes another phrase.
const minFuzzyRunes = 5

// autoEdits is tolerance: auto: one edit per this many characters, so that
// a greeting that lost two characters of nine (您好很高为您务) still counts.
const autoEdits = 4

// compileFuzzy lists the required phrases that may match with ASR damage.
// A phrase never gets so many edits that it would match a phrase of
// another required rule: an opening is not a closing (请问有什么可以帮您 is
// one character from 请问还有什么可以帮您).
func (m *Matcher) compileFuzzy() {
	type candidate struct {
		rule   int
		phrase []rune
		edits  int
	}
	var cands []candidate
	for i := range m.rules {
		r := &m.rules[i]
		if r.Tolerance == 0 || r.Kind != lexicon.KindRequired {
			continue
		}
		for _, p := range r.phrases.members() {
			phrase := []rune(m.patterns[p])
			if len(phrase) < minFuzzyRunes {
				continue
			}
			edits := int(r.Tolerance)
			if r.Tolerance == lexicon.ToleranceAuto {
				edits = len(phrase) / autoEdits
			}
			cands = append(cands, candidate{i, phrase, edits})
		}
	}
	if len(cands) == 0 {
		return
	}
	// A phrase within k edits of a stretch of another phrase shares one of
	// its k+1 chunks with it exactly (k edits spoil at most k chunks), so
	// one automaton over the chunks finds the few pairs worth comparing.
	all := make([]fuzzy, len(cands))
	for c, cand := range cands {
		all[c] = fuzzy{cand.phrase, cand.edits}
	}
	index := newChunkIndex(all)
	// compared[c] is the last phrase (+1) that candidate c was compared
	// with: a phrase holding several of its chunks lists it several times.
	compared := make([]int, len(cands))
	for j := range m.rules {
		o := &m.rules[j]
		if o.Kind != lexicon.KindRequired {
			continue
		}
		for _, q := range o.phrases.members() {
			other := []rune(m.patterns[q])
			for _, hit := range index.ac.match(m.patterns[q]) {
				for _, c := range index.owners[hit.pattern] {
					cand := &cands[c]
					if cand.rule == j || compared[c] == q+1 {
						continue
					}
					compared[c] = q + 1
					for cand.edits > 0 && withinEdits(cand.phrase, other, cand.edits) {
						cand.edits--
					}
				}
			}
		}
	}
	for _, cand := range cands {
		if cand.edits > 0 {
			r := &m.rules[cand.rule]
			r.fuzzy = append(r.fuzzy, fuzzy{cand.phrase, cand.edits})
		}
	}
	for i := range m.rules {
		if r := &m.rules[i]; len(r.fuzzy) > 0 {
			r.fuzzyChunks = newChunkIndex(r.fuzzy)
		}
	}
}

// chunkIndex finds the fuzzy phrases that may occur in a text with their
// edits: those sharing one of their edits+1 chunks with it exactly.
type chunkIndex struct {
	ac     *automaton
	owners [][]int // chunk → the phrases it is a chunk of
}

func newChunkIndex(phrases []fuzzy) chunkIndex {
	var chunks []string
	var idx chunkIndex
	at := map[string]int{}
	for c, f := range phrases {
		n := len(f.phrase)
		for j := range f.edits + 1 {
			chunk := string(f.phrase[j*n/(f.edits+1) : (j+1)*n/(f.edits+1)])
			k, ok := at[chunk]
			if !ok {
				k = len(chunks)
				at[chunk] = k
				chunks = append(chunks, chunk)
				idx.owners = append(idx.owners, nil)
			}
			idx.owners[k] = append(idx.owners[k], c)
		}
	}
	idx.ac = newAutomaton(chunks)
	return idx
}

// candidates are the phrases (by index) that share a chunk with text, in
// order, each once.
func (idx chunkIndex) candidates(text string) []int {
	var out []int
	for _, hit := range idx.ac.match(text) {
		out = append(out, idx.owners[hit.pattern]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Words returns the normalized phrases, to be added to the segmenter's
// dictionary so that jieba keeps them whole.
func (m *Matcher) Words() []string {
	m.compile()
	return slices.Clone(m.patterns)
}

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

// utterance is a segment prepared for matching.
type utterance struct {
	transcript.Segment
	index int
	text  normalize.Text
	// whole are the occurrences of patterns that start and end on jieba
	// word boundaries; any all of them (for exceptions).
	whole, any occurrences
	// runeAt[b] is the number of characters before byte b of the
	// normalized text: gaps and whole replies count characters.
	runeAt []int
	quoter func(from, to int) string // made when a hit first quotes u
	// found are the patterns the automaton found, sorted, whole words or
	// not, and candidates the rules (by index, sorted) that may match with
	// them, so that each rule checks once.
	found      []int
	candidates []int32
	// pending fills in the fields above (and runs jieba) the first time a
	// rule that may match looks.
	pending func(u *utterance)
}

// occurrences are the spans where patterns occur, grouped by pattern:
// ids are the patterns present, sorted, so that rules walk the few present
// rather than the many they list; the spans of ids[i] are
// spans[at[i]:at[i+1]], by start.
type occurrences struct {
	ids   []int
	at    []int
	spans []span
}

// add appends an occurrence; patterns come in ascending order.
func (o *occurrences) add(p int, s span) {
	if n := len(o.ids); n == 0 || o.ids[n-1] != p {
		o.ids = append(o.ids, p)
		o.at = append(o.at, len(o.spans))
	}
	o.spans = append(o.spans, s)
}

// of returns the occurrences of pattern p.
func (o *occurrences) of(p int) []span {
	i, ok := slices.BinarySearch(o.ids, p)
	if !ok {
		return nil
	}
	end := len(o.spans)
	if i+1 < len(o.at) {
		end = o.at[i+1]
	}
	return o.spans[o.at[i]:end]
}

// in appends the occurrences of the patterns of s.
func (o *occurrences) in(s set, out []span) []span {
	for i, p := range o.ids {
		if s.has(p) {
			end := len(o.spans)
			if i+1 < len(o.at) {
				end = o.at[i+1]
			}
			out = append(out, o.spans[o.at[i]:end]...)
		}
	}
	return out
}

// words makes sure the whole-word occurrences are known.
func (u *utterance) words() {
	if p := u.pending; p != nil {
		u.pending = nil
		p(u)
	}
}

// quote is the words as written of a span of the normalized text.
func (u *utterance) quote(s span) string {
	if u.quoter == nil {
		u.quoter = u.text.Quoter()
	}
	return u.quoter(s.start, s.end)
}

// runes is the number of characters in the span.
func (u *utterance) runes(s span) int { return u.runeAt[s.end] - u.runeAt[s.start] }

func (m *Matcher) prepare(i int, s transcript.Segment, cut Cutter) utterance {
	u := utterance{Segment: s, index: i, text: normalize.New(s.Text)}
	matches := m.ac.match(u.text.Norm)
	if heard, ok := m.heard[s.Speaker]; ok {
		matches = slices.DeleteFunc(matches, func(x acMatch) bool { return !heard.has(x.pattern) })
	}
	if len(matches) == 0 {
		return u // no phrase of this speaker's rules here: jieba is not needed
	}
	u.found = make([]int, len(matches))
	for i, x := range matches {
		u.found[i] = x.pattern
	}
	slices.Sort(u.found)
	u.found = slices.Compact(u.found)
	u.candidates = m.candidates(u.found)
	if !m.mayFind(u.found, u.candidates) {
		// Only pieces of longer patterns (a 我 or a 呢) occur: no rule can
		// match, and jieba, the costliest step, is not needed either.
		return u
	}
	u.pending = func(u *utterance) { m.wordsOf(u, matches, cut) }
	return u
}

// wordsOf sorts the automaton's matches in u into whole words (by jieba's
// cut) and all occurrences.
func (m *Matcher) wordsOf(u *utterance, matches []acMatch, cut Cutter) {
	boundary := make([]bool, len(u.text.Norm)+1)
	for _, t := range cut.Cut(u.text.Norm) {
		boundary[t.Start], boundary[t.End] = true, true
	}
	u.runeAt = make([]int, len(u.text.Norm)+1)
	n := 0
	for b := range u.text.Norm {
		u.runeAt[b] = n
		n++
	}
	u.runeAt[len(u.text.Norm)] = n // matches start and end on character boundaries
	// The automaton reports by position; group by pattern, keeping that
	// order within each.
	slices.SortStableFunc(matches, func(a, b acMatch) int { return cmp.Compare(a.pattern, b.pattern) })
	for _, match := range matches {
		p := match.pattern
		sp := span{match.pos, match.pos + len(m.patterns[p])}
		u.any.add(p, sp)
		if boundary[sp.start] && boundary[sp.end] {
			u.whole.add(p, sp)
		}
	}
}

// mayFind reports whether some rule could match an utterance where the
// patterns found (sorted) occur: a candidate, or a trigger.
func (m *Matcher) mayFind(found []int, candidates []int32) bool {
	return len(candidates) > 0 || m.contextual.mayOccur(found)
}

// indexPieces numbers every rule's pieces (rule.needs) and lists, for each
// pattern, the pieces it is a member of.
func (m *Matcher) indexPieces() {
	m.piecesOf = make([][]int32, len(m.patterns))
	piece := func(r *rule, s set) int32 {
		id := int32(len(m.pieceRule))
		m.pieceRule = append(m.pieceRule, int32(r.index))
		for _, p := range s.members() {
			m.piecesOf[p] = append(m.piecesOf[p], id)
		}
		return id
	}
	for i := range m.rules {
		r := &m.rules[i]
		if len(r.phrases.bits) > 0 {
			r.needs = append(r.needs, []int32{piece(r, r.phrases)})
		}
		for _, g := range r.allOf {
			var need []int32
			for _, p := range g {
				need = append(need, piece(r, setOf([]int{p})))
			}
			r.needs = append(r.needs, need)
		}
		for _, n := range r.near {
			r.needs = append(r.needs, []int32{piece(r, n.a), piece(r, n.b)})
		}
		for _, q := range r.sequences {
			var need []int32
			for _, s := range q.pieces {
				need = append(need, piece(r, s))
			}
			r.needs = append(r.needs, need)
		}
	}
}

// candidates lists the rules (by index, sorted) that may match an
// utterance where the patterns found occur anywhere: one of the rule's
// needs has all its pieces there. Whole words and windows are checked
// later; this rules out, before jieba runs, the utterances where only
// pieces of longer patterns (a 我, a 呢) occur.
func (m *Matcher) candidates(found []int) []int32 {
	present := make([]uint64, (len(m.pieceRule)+63)/64)
	var out []int32
	for _, p := range found {
		for _, i := range m.piecesOf[p] {
			present[i/64] |= 1 << (i % 64)
			out = append(out, m.pieceRule[i])
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	has := func(i int32) bool { return present[i/64]&(1<<(i%64)) != 0 }
	return slices.DeleteFunc(out, func(r int32) bool {
		return !slices.ContainsFunc(m.rules[r].needs, func(need []int32) bool {
			return !slices.ContainsFunc(need, func(i int32) bool { return !has(i) })
		})
	})
}

// mayOccur reports whether one of the patterns found is in the set.
func (s set) mayOccur(found []int) bool { return slices.ContainsFunc(found, s.has) }

// find returns the spans where the rule's phrases, patterns, all_of groups
// or near pairs match in u, less those inside an exception and, for a
// whole-reply rule, those that leave more of the utterance outside than it
// allows; without overlaps (longest first). Every step is linear in the
// occurrences after a sort, so no utterance can stall a worker.
func (r *rule) find(u *utterance) []span {
	if r.index >= 0 {
		if _, ok := slices.BinarySearch(u.candidates, int32(r.index)); !ok {
			return nil
		}
	} else if !r.phrases.mayOccur(u.found) { // a trigger's stand-in
		return nil
	}
	u.words()
	if u.runeAt == nil {
		return nil // no phrase of the lexicon occurs
	}
	spans := u.whole.in(r.phrases, nil)
	for _, g := range r.allOf {
		if cover, ok := u.allOf(g); ok {
			spans = append(spans, cover)
		}
	}
	for _, n := range r.near {
		spans = append(spans, u.near(n)...)
	}
	for _, seq := range r.sequences {
		spans = append(spans, u.sequence(seq)...)
	}
	if len(spans) == 0 {
		return nil
	}
	if r.WholeReply != nil {
		total := u.runeAt[len(u.text.Norm)]
		spans = slices.DeleteFunc(spans, func(s span) bool { return total-u.runes(s) > *r.WholeReply })
	}
	spans = u.outside(spans, r.exceptions)
	slices.SortFunc(spans, func(a, b span) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(b.end-b.start, a.end-a.start))
	})
	var kept []span
	for _, s := range spans {
		if len(kept) == 0 || s.start >= kept[len(kept)-1].end {
			kept = append(kept, s)
		}
	}
	return kept
}

// outside drops the spans that lie inside an occurrence of an exception.
func (u *utterance) outside(spans []span, exceptions set) []span {
	covers := u.any.in(exceptions, nil)
	if len(covers) == 0 {
		return spans
	}
	slices.SortFunc(covers, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	out := spans[:0]
	reach, next := -1, 0 // the furthest end of the covers that start at or before s
	for _, s := range spans {
		for next < len(covers) && covers[next].start <= s.start {
			reach = max(reach, covers[next].end)
			next++
		}
		if reach < s.end {
			out = append(out, s)
		}
	}
	return out
}

// allOf reports whether every pattern of g occurs, and the span covering
// their first occurrences.
func (u *utterance) allOf(g []int) (span, bool) {
	cover := span{len(u.text.Norm), 0}
	for _, p := range g {
		occ := u.whole.of(p)
		if len(occ) == 0 {
			return span{}, false
		}
		cover.start, cover.end = min(cover.start, occ[0].start), max(cover.end, occ[0].end)
	}
	return cover, true
}

// occurrences are the whole-word occurrences of any of the patterns, by
// start.
func (u *utterance) occurrences(patterns set) []span {
	out := u.whole.in(patterns, nil)
	slices.SortFunc(out, func(a, b span) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end)) })
	return out
}

// near returns, for each occurrence of A, the span covering it and the
// closest occurrence of B before or after it with at most within
// characters between them. Two pointers over occurrences sorted by start:
// linear, where pairing every A with every B was quadratic.
func (u *utterance) near(n near) []span {
	as, bs := u.occurrences(n.a), u.occurrences(n.b)
	if len(as) == 0 || len(bs) == 0 {
		return nil
	}
	// bs by end, for the B that ends before an A starts.
	byEnd := slices.Clone(bs)
	slices.SortFunc(byEnd, func(a, b span) int { return cmp.Compare(a.end, b.end) })
	var out []span
	after, before := 0, 0
	for _, a := range as {
		// The first B starting at or after A's start (B may overlap A).
		for after < len(bs) && bs[after].start < a.start {
			after++
		}
		// The last B ending at or before A's end.
		for before < len(byEnd) && byEnd[before].end <= a.end {
			before++
		}
		switch {
		case after < len(bs) && u.gapRunes(a, bs[after]) <= n.within:
			out = append(out, span{a.start, max(a.end, bs[after].end)})
		case before > 0 && u.gapRunes(byEnd[before-1], a) <= n.within:
			b := byEnd[before-1]
			out = append(out, span{min(a.start, b.start), max(a.end, b.end)})
		case after > 0 && bs[after-1].end > a.start: // a B that starts before A and overlaps it
			b := bs[after-1]
			out = append(out, span{b.start, max(a.end, b.end)})
		}
	}
	return out
}

// gapRunes is the number of characters between first's end and second's
// start (0 when they touch or overlap).
func (u *utterance) gapRunes(first, second span) int {
	if second.start <= first.end {
		return 0
	}
	return u.runeAt[second.start] - u.runeAt[first.end]
}

// sequence returns the spans where the pieces of seq follow each other
// within their gaps. ends[c] is the latest start of a chain of the pieces
// so far that ends at character c; each occurrence of the next piece looks
// back at most the gap's width, so the work is linear in the occurrences.
func (u *utterance) sequence(seq sequence) []span {
	type chain struct{ start int } // byte offset where the chain starts
	ends := map[int]chain{}        // by the character where a chain ends
	for _, occ := range u.occurrences(seq.pieces[0]) {
		e := u.runeAt[occ.end]
		if ch, ok := ends[e]; !ok || occ.start > ch.start {
			ends[e] = chain{occ.start}
		}
	}
	var out []span
	for i := 1; i < len(seq.pieces) && len(ends) > 0; i++ {
		g := seq.gaps[i-1]
		next := map[int]chain{}
		for _, occ := range u.occurrences(seq.pieces[i]) {
			c := u.runeAt[occ.start]
			best, found := chain{}, false
			for back := g.min; back <= g.max && c-back >= 0; back++ {
				if ch, ok := ends[c-back]; ok && (!found || ch.start > best.start) {
					best, found = ch, true
				}
			}
			if !found {
				continue
			}
			e := u.runeAt[occ.end]
			if ch, ok := next[e]; !ok || best.start > ch.start {
				next[e] = best
			}
			if i == len(seq.pieces)-1 {
				out = append(out, span{best.start, occ.end})
			}
		}
		ends = next
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
	m.compile()
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
			for i := range utts {
				u := &utts[i]
				if !r.appliesTo(u.Speaker) {
					continue
				}
				spans := r.find(u)
				if len(spans) == 0 {
					continue
				}
				trigger := -1
				if r.When != nil {
					var ok bool
					if trigger, ok = r.answers(utts, i, t.Timed); !ok || r.answered(utts, trigger, i) {
						continue // with a trigger, only an answer to it counts, and only before it is answered
					}
				}
				if r.nextSays(utts, i) {
					continue // what the speaker says next puts it right
				}
				for _, sp := range spans {
					res.Hits = append(res.Hits, r.hit(u, sp, t.Timed).answering(utts, trigger))
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
		case lexicon.KindShortReply:
			res.Hits = append(res.Hits, r.shortReplies(utts, t.Timed)...)
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
	inWindow := func(u *utterance) bool { return true }
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
		inWindow = func(u *utterance) bool { return u.Start < to && u.End > from }
	}
	found := false
	for i := range utts {
		// By pointer: find fills in the utterance's words once.
		if u := &utts[i]; r.appliesTo(u.Speaker) && inWindow(u) && (len(r.find(u)) > 0 || r.fuzzyFind(u)) {
			found = true
			break
		}
	}
	return found, Hit{
		RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
		Speaker: r.Speaker, Start: from, End: to, Timed: timed && turns == 0, SegmentIndex: -1,
	}
}

// turnWindow returns whether an utterance is among the first n (n > 0) or
// last -n (n < 0) turns of the rule's speaker.
func (r *rule) turnWindow(utts []utterance, n int) func(*utterance) bool {
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
	return func(u *utterance) bool { return slices.Contains(turns, u.index) }
}

// fuzzyFind looks for a long required phrase with a few characters dropped,
// added or changed: ASR damage (您好很高兴您服务).
func (r *rule) fuzzyFind(u *utterance) bool {
	if len(r.fuzzy) == 0 {
		return false
	}
	text := []rune(u.text.Norm)
	for _, c := range r.fuzzyChunks.candidates(u.text.Norm) {
		if f := r.fuzzy[c]; withinEdits(f.phrase, text, f.edits) {
			return true
		}
	}
	return false
}

// withinEdits reports whether pattern occurs in text with at most k edits:
// Sellers' approximate substring matching, with Ukkonen's cut-off (only the
// rows that can still be within k are computed, which with one or two
// edits is a few rows, not the whole pattern).
func withinEdits(pattern, text []rune, k int) bool {
	m := len(pattern)
	if m <= k {
		return true
	}
	// Two columns of the table; phrases are short, so they usually fit on
	// the stack (a compile makes hundreds of thousands of these checks).
	var buf [2 * 64]int
	var prev, cur []int
	if 2*(m+1) <= len(buf) {
		prev, cur = buf[:m+1], buf[m+1:2*(m+1)]
	} else {
		prev, cur = make([]int, m+1), make([]int, m+1)
	}
	for i := range prev {
		prev[i] = min(i, k+1) // anything above k is as good as k+1
	}
	last := k // the last row within k
	for _, c := range text {
		cur[0] = 0 // a match may start anywhere
		top := min(last+1, m)
		for i, p := range pattern[:top] {
			cost := 1
			if p == c {
				cost = 0
			}
			cur[i+1] = min(prev[i]+cost, prev[i+1]+1, cur[i]+1, k+1)
		}
		if top < m {
			cur[top+1] = k + 1 // the rows below were all above k
		}
		last = top
		for cur[last] > k {
			last--
		}
		if last == m {
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
	for i, trig := range r.triggers(utts) {
		if i <= answeredUntil {
			continue
		}
		u := &utts[i]
		answered, last := false, i
		for j := range r.replies(utts, i, timed) {
			last = j
			if answered = len(r.find(&utts[j])) > 0; answered {
				break
			}
		}
		answeredUntil = last
		if !answered {
			h := Hit{
				RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
				Speaker: r.Speaker, Start: u.Start, End: u.End, Timed: timed, SegmentIndex: u.index,
				Text: u.Text, Matched: u.quote(trig), pos: trig.start,
			}
			hits = append(hits, h)
		}
	}
	return hits
}

// shortReplies finds the answers to a trigger (a question) that are at
// most MaxChars characters long: 嗯, 对, or nothing at all. Questions in a
// row answered by one turn count once. The short turns are found first:
// only their questions need to be looked at (and cut by jieba).
func (r *rule) shortReplies(utts []utterance, timed bool) []Hit {
	var hits []Hit
	for j := range utts {
		v := &utts[j]
		if !r.appliesTo(v.Speaker) || v.chars() > *r.MaxChars {
			continue
		}
		if trigger, ok := r.answers(utts, j, timed); ok {
			hits = append(hits, r.hit(v, span{0, len(v.text.Norm)}, timed).answering(utts, trigger))
		}
	}
	return hits
}

// answers reports whether utterance j, of the rule's speaker, answers a
// trigger, and which utterance holds it: j is among the speaker's first
// Within.Turns turns after an utterance with a trigger phrase (and, timed,
// within Within.Seconds of it).
func (r *rule) answers(utts []utterance, j int, timed bool) (int, bool) {
	turns := 1 // the speaker's turns after the candidate trigger, j's included
	for i := j - 1; i >= 0; i-- {
		u := &utts[i]
		if r.When.Speaker == lexicon.SpeakerAny || u.Speaker == r.When.Speaker {
			if timed && r.Within.Seconds > 0 && utts[j].Start > u.End+r.Within.Seconds {
				return -1, false
			}
			if len(r.triggerSpans(u)) > 0 {
				return i, true
			}
		}
		if r.appliesTo(u.Speaker) {
			if turns++; r.Within.Turns > 0 && turns > r.Within.Turns {
				return -1, false
			}
		}
	}
	return -1, false
}

// chars counts the utterance's letters and digits: punctuation and spaces
// say nothing.
func (u *utterance) chars() int {
	n := 0
	for _, c := range u.text.Norm {
		if unicode.IsLetter(c) || unicode.IsNumber(c) {
			n++
		}
	}
	return n
}

// triggers yields the utterances where the rule's trigger speaker says a
// trigger phrase (less exceptions), with the trigger's first occurrence.
func (r *rule) triggers(utts []utterance) iter.Seq2[int, span] {
	return func(yield func(int, span) bool) {
		for i := range utts {
			u := &utts[i]
			if !(r.When.Speaker == lexicon.SpeakerAny || u.Speaker == r.When.Speaker) {
				continue
			}
			if trig := r.triggerSpans(u); len(trig) > 0 && !yield(i, trig[0]) {
				return
			}
		}
	}
}

// replies yields the rule speaker's turns after utterance i within the
// rule's deadline: its next Within.Turns turns and, timed, those starting
// within Within.Seconds of the trigger's end.
func (r *rule) replies(utts []utterance, i int, timed bool) iter.Seq[int] {
	return func(yield func(int) bool) {
		turns := 0
		for j := i + 1; j < len(utts); j++ {
			v := &utts[j]
			if !r.appliesTo(v.Speaker) {
				continue
			}
			if r.Within.Turns > 0 && turns >= r.Within.Turns {
				return
			}
			if timed && r.Within.Seconds > 0 && v.Start > utts[i].End+r.Within.Seconds {
				return
			}
			turns++
			if !yield(j) {
				return
			}
		}
	}
}

// triggerSpans are the trigger's occurrences in u, less exceptions.
func (r *rule) triggerSpans(u *utterance) []span {
	return r.standIn(r.trigger, r.exceptions).find(u)
}

// says reports whether u holds one of the phrases of s, anywhere in it.
func (r *rule) says(u *utterance, s set) bool {
	return len(r.standIn(s, set{}).find(u)) > 0
}

// standIn is a rule that looks for the phrases of s less exceptions
// anywhere in an utterance (whole_reply is about the rule's own phrases).
func (r *rule) standIn(s, exceptions set) *rule {
	t := rule{Rule: r.Rule, index: -1, phrases: s, exceptions: exceptions}
	t.WholeReply = nil
	return &t
}

// answered reports whether the speaker's turns after the trigger at i, up
// to and with j, say one of the rule's answered_by phrases.
func (r *rule) answered(utts []utterance, i, j int) bool {
	for k := i + 1; k <= j; k++ {
		if r.appliesTo(utts[k].Speaker) && r.says(&utts[k], r.answeredBy) {
			return true
		}
	}
	return false
}

// nextSays reports whether the speaker's next turn after j says one of the
// rule's unless_next phrases.
func (r *rule) nextSays(utts []utterance, j int) bool {
	for k := j + 1; k < len(utts); k++ {
		if r.appliesTo(utts[k].Speaker) {
			return r.says(&utts[k], r.unlessNext)
		}
	}
	return false
}

func (r *rule) hit(u *utterance, sp span, timed bool) Hit {
	return Hit{
		RuleID: r.ID, Kind: r.Kind, Category: r.Category, Severity: r.Severity,
		Speaker: u.Speaker, Start: u.Start, End: u.End, Timed: timed, SegmentIndex: u.index,
		Text: u.Text, Matched: u.quote(sp), pos: sp.start,
	}
}

// answering adds to the hit the trigger's turn (utterance i) it answers;
// i < 0 adds nothing.
func (h Hit) answering(utts []utterance, i int) Hit {
	if i >= 0 {
		h.Evidence = append(h.Evidence, utts[i].Speaker+": "+utts[i].Text)
	}
	return h
}

// Finds reports whether rule id matches text, ignoring speakers and
// windows: how a rule's examples are checked. For a conditional rule it is
// the answer that is matched; for a short_reply rule, text is the answer.
func (m *Matcher) Finds(id, text string, cut Cutter) bool {
	m.compile()
	for i := range m.rules {
		r := &m.rules[i]
		if r.ID == id {
			u := m.prepare(0, transcript.Segment{Text: text}, cut)
			if r.Kind == lexicon.KindShortReply {
				return u.chars() <= *r.MaxChars // text as the answer to a question
			}
			return len(r.find(&u)) > 0 || r.fuzzyFind(&u)
		}
	}
	return false
}
