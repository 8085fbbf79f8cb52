package similar

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
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
	examples []Example          // the faults, for Nearest
	index    map[string][]int32 // bigram -> examples holding it
	hash     string
}

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
	return m.scores(Features(text, context))
}

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
	p := m.Scores(text, context)
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
	for g := range tb {
		for _, i := range m.index[g] {
			if m.examples[i].Label == family {
				candidates[i] = true
			}
		}
	}
	var out []Neighbour
	for i := range candidates {
		e := m.examples[i]
		s := (3*jaccard(tb, bigrams(e.Text)) + jaccard(cb, bigrams(e.Context))) / 4
		out = append(out, Neighbour{Example: e, Similarity: s})
	}
	slices.SortFunc(out, func(a, b Neighbour) int {
		return cmp.Or(cmp.Compare(b.Similarity, a.Similarity), cmp.Compare(a.Text, b.Text), cmp.Compare(a.Context, b.Context))
	})
	return out[:min(k, len(out))]
}

// bigrams are the normalized text's character bigrams, the start and end
// marked; a text of one character is its own.
func bigrams(text string) map[string]bool {
	r := []rune("^" + norm(text) + "$")
	out := make(map[string]bool, len(r))
	for i := 0; i+2 <= len(r); i++ {
		out[string(r[i:i+2])] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	both := 0
	for g := range a {
		if b[g] {
			both++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// indexExamples builds the bigram index of the faults.
func (m *Model) indexExamples() {
	m.index = map[string][]int32{}
	for i, e := range m.examples {
		for g := range bigrams(e.Text) {
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
