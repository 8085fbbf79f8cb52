// Package jieba cuts Chinese text into words exactly as cppjieba's
// MixSegment does (the engine gojieba wraps; github.com/yanyiwu/cppjieba,
// MIT licence), in pure Go: each piece between separators gets a graph of
// every dictionary word that starts at each character, the route of
// highest probability through it, and then a hidden Markov model over the
// runs of single characters that route leaves, so that names and other
// unknown words stay together.
//
// cppjieba builds a tree of hash maps for its 350,000 words at start-up,
// which costs about half a second and 130 MB; here the dictionary is one
// hash map of words and their prefixes, built in a fraction of that. The
// port follows cppjieba's code step by step, including its lenient UTF-8
// decoding and its ties, so that the words and their offsets are the same:
// testdata/cuts.txt holds what gojieba made of 3,000 texts before callqa
// dropped it (on 294,042 texts, corpus and generated, none differed).
package jieba

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

// minDouble is cppjieba's MIN_DOUBLE: the weight of the impossible.
const minDouble = -3.14e+100

// maxWordRunes is cppjieba's MAX_WORD_LENGTH.
const maxWordRunes = 512

// Segmenter holds a dictionary and the HMM. It is safe for concurrent use
// once built, as long as no words are added meanwhile.
type Segmenter struct {
	// short and long map every dictionary word and every prefix of one to
	// what ends there (cppjieba's trie nodes): words of up to shortRunes
	// characters by their packed characters, which keeps the big map free
	// of pointers (the garbage collector skips it) and small; longer ones
	// by their rune key (appendRuneKey).
	short map[shortKey]node
	long  map[string]node
	// first is short's nodes of one character of the Basic Multilingual
	// Plane, by character, as 1 + node (0: none): every position of a
	// text looks its character up, and a table this size stays in cache.
	first     []uint32
	weights   []float64 // of the words, by node
	scratch   []byte    // insert's rune key
	prev      string    // the word inserted last
	cutters   sync.Pool // of *cutter, whose buffers Cut reuses
	freqSum   float64   // the dictionary's frequencies summed
	minWeight float64   // the weight of an unknown single character
	hmm       hmmModel
}

// node is a node of cppjieba's trie: 0 when only longer words go on from
// here, else 1 + the index of the weight of the word that ends here.
type node uint32

// shortRunes is the longest word a shortKey holds. Words of up to four
// characters are 97 % of the dictionary's nodes.
const shortRunes = 4

// shortKey packs up to shortRunes characters of 21 bits and their count
// into 12 bytes: characters 0-2 in the low bits of the three words, the
// fourth split over the high bits of the first two, the count in the
// third's.
type shortKey [3]uint32

// with is k with character r appended as its n-th (from 0, below
// shortRunes).
func (k shortKey) with(n int, r rune) shortKey {
	v := uint32(r)
	if n < 3 {
		k[n] |= v
	} else {
		k[0] |= (v & 0x7ff) << 21
		k[1] |= (v >> 11) << 21
	}
	k[2] = k[2]&^(7<<21) | uint32(n+1)<<21
	return k
}

// lookup is the node for a word of n characters (n > 0) whose shortKey
// (when n is at most shortRunes) is k and whose rune key is key.
func (s *Segmenter) lookup(k shortKey, n int, key []byte) (node, bool) {
	if n <= shortRunes {
		v, ok := s.short[k]
		return v, ok
	}
	v, ok := s.long[string(key)]
	return v, ok
}

// The dictionary and HMM model gojieba loads by default (dict/README.md).
var (
	//go:embed dict/jieba.dict.utf8
	defaultDict string
	//go:embed dict/hmm_model.utf8
	defaultHMM string
)

// Default builds a Segmenter from the embedded dictionaries.
func Default() (*Segmenter, error) { return New(defaultDict, defaultHMM) }

// New builds a Segmenter from the text of jieba.dict.utf8 (lines "word
// frequency tag") and hmm_model.utf8.
func New(dict, hmm string) (*Segmenter, error) {
	s := &Segmenter{}
	if err := s.hmm.parse(hmm); err != nil {
		return nil, fmt.Errorf("jieba: HMM model: %w", err)
	}
	// The weights need the frequencies' sum, so the lines are read twice:
	// for the frequencies (and to check them), then for the words.
	lines := func(yield func(line string) bool) {
		for rest := dict; rest != ""; {
			line, after, _ := strings.Cut(rest, "\n")
			rest = after
			if !yield(line) {
				return
			}
		}
	}
	freqs := make([]float64, 0, strings.Count(dict, "\n")+1)
	for line := range lines {
		n := len(freqs) + 1
		if k := fieldCount(line, ' '); k != 3 {
			return nil, fmt.Errorf("jieba: dictionary line %d: %d fields, want 3", n, k)
		}
		word, rest, _ := strings.Cut(line, " ")
		if !decodes(word) || word == "" {
			return nil, fmt.Errorf("jieba: dictionary line %d: the word %q is not UTF-8", n, word)
		}
		freq, _, _ := strings.Cut(rest, " ")
		freqs = append(freqs, atof(freq))
		s.freqSum += freqs[n-1]
	}
	if len(freqs) == 0 {
		return nil, errors.New("jieba: empty dictionary")
	}
	// Room for the nodes of the dictionary (about 1.4 a word) and of
	// some 100,000 added words, so that the map seldom grows.
	s.short = make(map[shortKey]node, len(freqs)*3/2+100_000)
	s.first = make([]uint32, 1<<16)
	s.long = map[string]node{}
	s.weights = make([]float64, 0, len(freqs))
	s.minWeight = math.Inf(1)
	i := 0
	for line := range lines {
		word, _, _ := strings.Cut(line, " ")
		w := math.Log(freqs[i] / s.freqSum)
		s.minWeight = min(s.minWeight, w)
		s.insert(word, w)
		i++
	}
	return s, nil
}

// AddWord adds a word with the given frequency, as gojieba's AddWordEx
// (cppjieba's InsertUserWord): it replaces the weight of a word already
// there. Words cannot be added while others cut.
func (s *Segmenter) AddWord(word string, freq int) {
	if !decodes(word) || word == "" {
		return
	}
	if freq == 0 {
		return // cppjieba would use the median weight; callqa always gives one
	}
	s.insert(word, math.Log(float64(freq)/s.freqSum))
}

// insert sets the word (which decodes) and marks its prefixes. The
// prefixes it shares with the word inserted before are there already: the
// dictionary is nearly sorted, so that saves most of the lookups.
func (s *Segmenter) insert(word string, weight float64) {
	var k shortKey
	key := s.scratch[:0]
	common := 0
	for common < min(len(word), len(s.prev)) && word[common] == s.prev[common] {
		common++
	}
	defer func() { s.scratch, s.prev = key, word }()
	n := 0
	for i := 0; i < len(word); n++ {
		r, size := decodeRune(word[i:])
		i += size
		if n < shortRunes {
			k = k.with(n, r)
		}
		key = appendRuneKey(key, r)
		last := i == len(word)
		if !last && i <= common {
			continue
		}
		v, found := s.lookup(k, n+1, key)
		switch {
		case last && found && v != 0:
			s.weights[v-1] = weight // the word again: the last weight counts
			return
		case last:
			s.weights = append(s.weights, weight)
			v = node(len(s.weights))
		case found:
			continue
		}
		if n+1 <= shortRunes {
			s.short[k] = v
			if n == 0 && r < 1<<16 {
				s.first[r] = uint32(v) + 1
			}
		} else {
			s.long[string(key)] = v
		}
	}
}

// Token is a word and its byte offsets in the text cut.
type Token struct {
	Start, End int
}

// separators are cppjieba's SPECIAL_SEPARATORS: each is a token of its own
// and bounds the pieces cut.
func isSeparator(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '，' || r == '。'
}

// runeStr is a decoded character and where its bytes lie.
type runeStr struct {
	r        rune
	off, len int
}

// Cut returns the words of text with the HMM on (gojieba's Tokenize in
// its default mode). Text that is not UTF-8 as cppjieba decodes it (a
// lead byte above 0xF7 or a sequence cut short) gives no words, as there.
func (s *Segmenter) Cut(text string) []Token {
	c, _ := s.cutters.Get().(*cutter)
	if c == nil {
		c = &cutter{s: s}
	}
	defer func() {
		if cap(c.runes) <= maxPooledRunes {
			s.cutters.Put(c)
		}
	}()
	runes, ok := decode(c.runes[:0], text)
	c.runes = runes
	if !ok {
		return nil
	}
	c.key, c.words = c.key[:0], c.words[:0]
	for _, r := range runes {
		c.key = appendRuneKey(c.key, r.r)
	}
	for begin := 0; begin < len(runes); {
		end := begin
		for end < len(runes) && !isSeparator(runes[end].r) {
			end++
		}
		if end == begin {
			end++ // a separator alone
		}
		c.mix(begin, end)
		begin = end
	}
	out := make([]Token, len(c.words))
	for i, w := range c.words {
		l, r := runes[w.left], runes[w.right]
		out[i] = Token{Start: l.off, End: r.off + r.len}
	}
	return out
}

// wordRange is a word as the indexes of its first and last characters.
type wordRange struct{ left, right int }

// maxPooledRunes bounds the buffers kept for the next Cut: those of a
// huge text are left to the garbage collector.
const maxPooledRunes = 1 << 14

// cutter is the state of one Cut, and buffers for the next.
type cutter struct {
	s     *Segmenter
	runes []runeStr
	key   []byte // the rune key of the text (appendRuneKey)
	words []wordRange

	// scratch, reused from piece to piece
	dag    []dagNode
	mp     []wordRange
	status []int
	weight []float64
	path   []int
}

// dagNode is cppjieba's Dag: the words that start at a character, and
// the best route from there (its first word's length in characters, 0 for
// an unknown single character, and its weight).
type dagNode struct {
	nexts  []dagNext
	best   int
	weight float64
}

// dagNext is a word from a node: the index of its last character, and its
// weight when it is in the dictionary (known).
type dagNext struct {
	last   int
	weight float64
	known  bool
}

// mix is MixSegment::Cut on characters [begin, end): the dictionary route,
// with each run of single characters cut again by the HMM.
func (c *cutter) mix(begin, end int) {
	c.mp = c.route(begin, end, c.mp[:0])
	for i := 0; i < len(c.mp); i++ {
		if c.mp[i].left != c.mp[i].right {
			c.words = append(c.words, c.mp[i])
			continue
		}
		j := i
		for j < len(c.mp) && c.mp[j].left == c.mp[j].right {
			j++
		}
		c.hmmCut(c.mp[i].left, c.mp[j-1].left+1)
		i = j - 1
	}
}

// route is MPSegment::Cut: the graph of dictionary words and the route of
// highest summed weight (log probability) through it.
func (c *cutter) route(begin, end int, out []wordRange) []wordRange {
	n := end - begin
	if cap(c.dag) < n {
		c.dag = make([]dagNode, n)
	}
	dag := c.dag[:n]
	s := c.s
	for i := range n {
		d := &dag[i]
		d.nexts = d.nexts[:0]
		from := (begin + i) * runeKeyLen
		r := c.runes[begin+i].r
		k := shortKey{}.with(0, r)
		var v node
		var found bool
		if r < 1<<16 {
			f := s.first[r]
			v, found = node(f-1), f != 0
		} else {
			v, found = s.short[k]
		}
		if found && v != 0 {
			d.nexts = append(d.nexts, dagNext{i, s.weights[v-1], true})
		} else {
			d.nexts = append(d.nexts, dagNext{i, 0, false})
		}
		for j := i + 1; found && j < n && j-i+1 <= maxWordRunes; j++ {
			if j-i < shortRunes {
				k = k.with(j-i, c.runes[begin+j].r)
			}
			if v, found = s.lookup(k, j-i+1, c.key[from:(begin+j+1)*runeKeyLen]); found && v != 0 {
				d.nexts = append(d.nexts, dagNext{j, s.weights[v-1], true})
			}
		}
	}
	for i := n - 1; i >= 0; i-- {
		d := &dag[i]
		d.best, d.weight = 0, minDouble
		for _, nx := range d.nexts {
			val := 0.0
			if nx.last+1 < n {
				val += dag[nx.last+1].weight
			}
			if nx.known {
				val += nx.weight
			} else {
				val += c.s.minWeight
			}
			if val > d.weight {
				d.best, d.weight = 0, val
				if nx.known {
					d.best = nx.last - i + 1
				}
			}
		}
	}
	for i := 0; i < n; {
		step := max(1, dag[i].best)
		out = append(out, wordRange{begin + i, begin + i + step - 1})
		i += step
	}
	return out
}

// hmmCut is HMMSegment::Cut on characters [begin, end): runs of ASCII
// letters (then letters and digits) and of digits (then digits and dots)
// are words, any other ASCII character is one, and the rest goes through
// the Viterbi path of the HMM.
func (c *cutter) hmmCut(begin, end int) {
	left, right := begin, begin
	for right != end {
		if c.runes[right].r >= 0x80 {
			right++
			continue
		}
		if left != right {
			c.viterbiCut(left, right)
		}
		left = right
		if right = c.letters(left, end); right == left {
			if right = c.numbers(left, end); right == left {
				right++
			}
		}
		c.words = append(c.words, wordRange{left, right - 1})
		left = right
	}
	if left != right {
		c.viterbiCut(left, right)
	}
}

func isLetter(r rune) bool { return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }
func isDigit(r rune) bool  { return '0' <= r && r <= '9' }

// letters is SequentialLetterRule: where a word of a letter and then
// letters and digits that starts at i ends (i itself when there is none).
func (c *cutter) letters(i, end int) int {
	if !isLetter(c.runes[i].r) {
		return i
	}
	for i++; i != end && (isLetter(c.runes[i].r) || isDigit(c.runes[i].r)); i++ {
	}
	return i
}

// numbers is NumbersRule: a digit and then digits and dots.
func (c *cutter) numbers(i, end int) int {
	if !isDigit(c.runes[i].r) {
		return i
	}
	for i++; i != end && (isDigit(c.runes[i].r) || c.runes[i].r == '.'); i++ {
	}
	return i
}

// HMM states, in cppjieba's order: the odd ones end a word.
const (
	stateB = iota
	stateE
	stateM
	stateS
	states
)

// viterbiCut is HMMSegment::InternalCut: the most likely states of
// characters [begin, end), a word ending at each E or S.
func (c *cutter) viterbiCut(begin, end int) {
	m := &c.s.hmm
	x := end - begin
	if cap(c.weight) < x*states {
		c.weight, c.path = make([]float64, x*states), make([]int, x*states)
	}
	weight, path := c.weight[:x*states], c.path[:x*states]
	first := m.emitProbs(c.runes[begin].r)
	for y := range states {
		weight[y*x] = m.start[y] + first[y]
		path[y*x] = -1
	}
	for i := 1; i < x; i++ {
		emits := m.emitProbs(c.runes[begin+i].r)
		for y := range states {
			now := i + y*x
			weight[now] = minDouble
			path[now] = stateE
			emit := emits[y]
			for pre := range states {
				if tmp := weight[i-1+pre*x] + m.trans[pre][y] + emit; tmp > weight[now] {
					weight[now], path[now] = tmp, pre
				}
			}
		}
	}
	stat := stateS
	if weight[x-1+stateE*x] >= weight[x-1+stateS*x] {
		stat = stateE
	}
	if cap(c.status) < x {
		c.status = make([]int, x)
	}
	status := c.status[:x]
	for i := x - 1; i >= 0; i-- {
		status[i] = stat
		stat = path[i+stat*x]
	}
	left := begin
	for i, st := range status {
		if st%2 == 1 {
			c.words = append(c.words, wordRange{left, begin + i})
			left = begin + i + 1
		}
	}
}

// hmmModel is cppjieba's HMMModel: log probabilities of the first state,
// of each transition and of each state emitting each character.
type hmmModel struct {
	start [states]float64
	trans [states][states]float64
	// emit holds each character's emission by the four states, with
	// minDouble where a state's line lacks the character.
	emit map[rune]*[states]float64
}

// never is the emission of a character no state emits.
var never = [states]float64{minDouble, minDouble, minDouble, minDouble}

func (m *hmmModel) emitProbs(r rune) *[states]float64 {
	if p, ok := m.emit[r]; ok {
		return p
	}
	return &never
}

// parse reads hmm_model.utf8: blank lines and lines starting with # are
// skipped; then the start line, four transition lines, and the emission
// lines of B, E, M and S ("char:logprob,...").
func (m *hmmModel) parse(text string) error {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimFunc(l, isCSpace); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 1+states+states {
		return fmt.Errorf("%d lines, want %d", len(lines), 1+2*states)
	}
	row := func(l string, dst []float64) error {
		f := limonpSplit(l, " ")
		if len(f) != states {
			return fmt.Errorf("%d numbers in %q, want %d", len(f), l, states)
		}
		for i, v := range f {
			dst[i] = atof(v)
		}
		return nil
	}
	if err := row(lines[0], m.start[:]); err != nil {
		return err
	}
	for i := range states {
		if err := row(lines[1+i], m.trans[i][:]); err != nil {
			return err
		}
	}
	for i := range states {
		if m.emit == nil {
			m.emit = map[rune]*[states]float64{}
		}
		for _, pair := range limonpSplit(lines[1+states+i], ",") {
			if fieldCount(pair, ':') != 2 {
				return fmt.Errorf("emission %q", pair)
			}
			char, prob, _ := strings.Cut(pair, ":")
			r, n := rune(0), 0
			if char != "" {
				r, n = decodeRune(char)
			}
			if n == 0 || n != len(char) {
				return fmt.Errorf("emission character %q", char)
			}
			e := m.emit[r]
			if e == nil {
				e = new([states]float64)
				*e = never
				m.emit[r] = e
			}
			e[i] = atof(prob)
		}
	}
	return nil
}

// isCSpace is C's isspace in the "C" locale.
func isCSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
}

// limonpSplit is limonp's Split: fields between any of the separator
// bytes, with no field after a separator at the very end (and none for
// an empty string).
func limonpSplit(s, seps string) []string {
	var out []string
	start := 0
	for start < len(s) {
		i := strings.IndexAny(s[start:], seps)
		if i < 0 {
			out = append(out, s[start:])
			break
		}
		out = append(out, s[start:start+i])
		start += i + 1
	}
	return out
}

// fieldCount is len(limonpSplit(s, string(sep))), without the fields.
func fieldCount(s string, sep byte) int {
	n := 0
	for start := 0; start < len(s); n++ {
		i := strings.IndexByte(s[start:], sep)
		if i < 0 {
			return n + 1
		}
		start += i + 1
	}
	return n
}

// atof is C's atof: the longest prefix that is a number, 0 when none.
func atof(s string) float64 {
	s = strings.TrimLeftFunc(s, isCSpace)
	for end := len(s); end > 0; end-- {
		if v, err := strconv.ParseFloat(s[:end], 64); err == nil || errors.Is(err, strconv.ErrRange) {
			return v
		}
	}
	return 0
}

// decode is cppjieba's DecodeUTF8RunesInString: lenient about
// continuation bytes, failing only on a lead byte above 0xF7 or a sequence
// that the end of the text cuts short.
func decode(runes []runeStr, s string) ([]runeStr, bool) {
	for i := 0; i < len(s); {
		r, n := decodeRune(s[i:])
		if n == 0 {
			return nil, false
		}
		runes = append(runes, runeStr{r, i, n})
		i += n
	}
	return runes, true
}

// decodeRune is cppjieba's DecodeUTF8ToRune.
func decodeRune(s string) (rune, int) {
	b := s[0]
	switch {
	case b&0x80 == 0:
		return rune(b), 1
	case b <= 0xdf && len(s) > 1:
		return rune(b&0x1f)<<6 | rune(s[1]&0x3f), 2
	case b <= 0xef && len(s) > 2:
		return rune(b&0x0f)<<12 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f), 3
	case b <= 0xf7 && len(s) > 3:
		return rune(b&0x07)<<18 | rune(s[1]&0x3f)<<12 | rune(s[2]&0x3f)<<6 | rune(s[3]&0x3f), 4
	}
	return 0, 0
}

// runeKeyLen is the bytes per character of a rune key: the decoded
// characters, three bytes each (they have 21 bits at most), so that texts
// whose bytes differ but decode alike (cppjieba's lenient decoding) match
// the same words, as they do in cppjieba's trie of characters.
const runeKeyLen = 3

func appendRuneKey(dst []byte, r rune) []byte {
	return append(dst, byte(r>>16), byte(r>>8), byte(r))
}

// decodes reports whether s decodes as cppjieba decodes.
func decodes(s string) bool {
	for i := 0; i < len(s); {
		_, n := decodeRune(s[i:])
		if n == 0 {
			return false
		}
		i += n
	}
	return true
}
