package similar

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
)

// None is the class of a fine turn.
const None = "none"

// Model is a trained classifier: a weight per feature and class, a
// threshold per family, and the labelled faults it was trained on, to show
// as the nearest examples of a hit. It is safe for concurrent use.
type Model struct {
	// Lexicon is the name@version of the lexicon the model was trained
	// for: its thresholds assume that lexicon's exact rules ran first.
	Lexicon string
	// Classes are None and then the families, in the order of the weights.
	Classes []string
	// Thresholds are the least score at which a family is a hit, chosen on
	// turns held out of training; a family without one never hits.
	Thresholds map[string]float64

	weights  map[string][]float32 // by feature, one weight a class
	bias     []float32
	examples []Example // the faults, for Nearest
	hash     string

	// What judging reads, built from the above when a model is parsed:
	// the weights by feature hash (hashName), row i at flat[i*classes:];
	// each example's bigram hashes, sorted; the examples holding a bigram.
	row     map[uint64]int32
	flat    []float32
	grams   []exampleGrams
	index   map[uint64][]int32
	scratch sync.Pool // of *scratch
}

type exampleGrams struct{ text, context []uint64 }

// Example is a labelled turn: what the agent said, the customer's turn
// before it, and the family of fault (None for a fine turn).
type Example struct {
	Text, Context, Label string
	// Source names who wrote the turn or where it came from: training
	// holds sources out whole.
	Source string
}

// Hash identifies the model's contents: it goes into lexicon_version.
func (m *Model) Hash() string { return m.hash }

// Scores are the model's probability of each class (in Classes order) for a
// turn and its context.
func (m *Model) Scores(text, context string) []float64 {
	return m.scoresOf(prepare(text, context))
}

func (m *Model) scoresOf(t turn) []float64 {
	sc := m.scratch.Get().(*scratch)
	defer m.scratch.Put(sc)
	sc.feats = featureHashes(t, sc.feats[:0])
	if sc.gen++; sc.gen == 0 { // wrapped: forget every mark
		clear(sc.seen)
		sc.gen = 1
	}
	nc := len(m.Classes)
	acc := make([]float64, nc)
	known := 0
	for _, f := range sc.feats {
		r, ok := m.row[f]
		if !ok || sc.seen[r] == sc.gen {
			continue // unknown, or counted already
		}
		sc.seen[r] = sc.gen
		known++
		for c, x := range m.flat[int(r)*nc : int(r+1)*nc] {
			acc[c] += float64(x)
		}
	}
	scale := featureScale(known)
	for c, b := range m.bias {
		acc[c] = float64(b) + scale*acc[c]
	}
	return softmax(acc)
}

// scratch is one judging's working memory, reused: the feature hashes, and
// which weight rows this judging counted (seen[row] == gen).
type scratch struct {
	feats []uint64
	seen  []uint32
	gen   uint32
}

// scores is Scores from feature names, as training sees them.
func (m *Model) scores(feats []string) []float64 {
	logits := make([]float64, len(m.Classes))
	for c, b := range m.bias {
		logits[c] = float64(b)
	}
	seen := make(map[string]bool, len(feats))
	var active [][]float32
	for _, f := range feats {
		if w, ok := m.weights[f]; ok && !seen[f] {
			seen[f] = true
			active = append(active, w)
		}
	}
	scale := featureScale(len(seen))
	for _, w := range active {
		for c, x := range w {
			logits[c] += scale * float64(x)
		}
	}
	return softmax(logits)
}

// Judge returns the family a turn most resembles, its score, and whether
// the score reaches the family's threshold.
func (m *Model) Judge(text, context string) (family string, score float64, hit bool) {
	return m.judge(prepare(text, context))
}

func (m *Model) judge(tu turn) (family string, score float64, hit bool) {
	p := m.scoresOf(tu)
	best := -1
	for c := 1; c < len(p); c++ {
		if best < 0 || p[c] > p[best] {
			best = c
		}
	}
	if best < 0 {
		return "", 0, false
	}
	family = m.Classes[best]
	t, ok := m.Thresholds[family]
	return family, p[best], ok && p[best] >= t
}

// Neighbour is a labelled fault near a turn, and how near (0 to 1).
type Neighbour struct {
	Example
	Similarity float64
}

// Nearest returns the k labelled faults of the family most like the turn:
// the overlap of their character bigrams (Jaccard), the context's counting
// a third as much as the turn's.
func (m *Model) Nearest(text, context, family string, k int) []Neighbour {
	tb, cb := bigrams(text), bigrams(context)
	candidates := map[int32]bool{}
	for _, g := range tb {
		for _, i := range m.index[g] {
			if m.examples[i].Label == family {
				candidates[i] = true
			}
		}
	}
	var out []Neighbour
	for i := range candidates {
		e, g := m.examples[i], m.grams[i]
		s := (3*jaccard(tb, g.text) + jaccard(cb, g.context)) / 4
		out = append(out, Neighbour{Example: e, Similarity: s})
	}
	slices.SortFunc(out, func(a, b Neighbour) int {
		return cmp.Or(cmp.Compare(b.Similarity, a.Similarity), cmp.Compare(a.Text, b.Text), cmp.Compare(a.Context, b.Context))
	})
	return out[:min(k, len(out))]
}

// bigrams are the hashes of the normalized text's character bigrams, the
// start and end marked, sorted and without repeats; a text of one
// character is its own.
func bigrams(text string) []uint64 {
	padded := "^" + norm(text) + "$"
	at := runeStarts(padded)
	out := make([]uint64, 0, len(at))
	for i := 0; i+2 < len(at); i++ {
		out = append(out, hashName(padded[at[i]:at[i+2]]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// jaccard is the overlap of two sorted sets.
func jaccard(a, b []uint64) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	both := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			both++
			i++
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// prepare builds what judging reads: the weights by feature hash, and the
// examples' bigrams and their index.
func (m *Model) prepare() {
	nc := len(m.Classes)
	m.row = make(map[uint64]int32, len(m.weights))
	m.flat = make([]float32, 0, nc*len(m.weights))
	for _, f := range slices.Sorted(maps.Keys(m.weights)) {
		m.row[hashName(f)] = int32(len(m.flat) / nc)
		m.flat = append(m.flat, m.weights[f]...)
	}
	rows := len(m.flat) / nc
	m.scratch.New = func() any { return &scratch{seen: make([]uint32, rows)} }
	m.grams = make([]exampleGrams, len(m.examples))
	m.index = map[uint64][]int32{}
	for i, e := range m.examples {
		m.grams[i] = exampleGrams{bigrams(e.Text), bigrams(e.Context)}
		for _, g := range m.grams[i].text {
			m.index[g] = append(m.index[g], int32(i))
		}
	}
}

func (m *Model) setHash(encoded []byte) {
	sum := sha256.Sum256(encoded)
	m.hash = hex.EncodeToString(sum[:6])
}

// featureScale keeps long turns from outweighing short ones.
func featureScale(n int) float64 {
	if n == 0 {
		return 0
	}
	return 1 / math.Sqrt(float64(n))
}

func softmax(logits []float64) []float64 {
	top := slices.Max(logits)
	sum := 0.0
	out := make([]float64, len(logits))
	for i, l := range logits {
		out[i] = math.Exp(l - top)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// DescribeThresholds lists the families' thresholds, "none" for a family
// without one.
func (m *Model) DescribeThresholds() string {
	var parts []string
	for _, c := range m.Classes[1:] {
		if t, ok := m.Thresholds[c]; ok {
			parts = append(parts, fmt.Sprintf("%s %.2f", c, t))
		} else {
			parts = append(parts, c+" none")
		}
	}
	return strings.Join(parts, ", ")
}
