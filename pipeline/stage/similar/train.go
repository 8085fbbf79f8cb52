package similar

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Options steer training.
type Options struct {
	// Lexicon is the name@version the model is for.
	Lexicon string
	// Families are the classes besides None, in order; an example with
	// another label is an error.
	Families []string
	// Precision is what each family's threshold must reach on turns held
	// out of training (default 0.95): the share of its hits that are
	// faults of any family.
	Precision float64
	// FalseRate is the most a family's threshold may flag of the fine
	// turns held out (default 0.0005). Labelled corpora hold far more
	// faults than calls do, so precision on them alone says little about
	// how many ordinary turns a family would flag.
	FalseRate float64
}

// Training settings, fixed so that the same corpus gives the same model.
const (
	epochs       = 12
	learningRate = 0.5
	l2           = 1e-5
	minCount     = 2    // a feature seen in fewer training turns is dropped
	minScore     = 0.4  // no threshold below this
	minSupport   = 3    // held-out hits a threshold must rest on
	pruneBelow   = 1e-3 // weights this small are not written out
)

// Train fits the model on examples and chooses each family's threshold on
// predictions for turns held out of training: by source, each source
// predicted by a model trained on the others (with one source, by five
// folds). The result depends only on the examples and options.
func Train(examples []Example, opt Options) (*Model, error) {
	if opt.Precision == 0 {
		opt.Precision = 0.95
	}
	if opt.FalseRate == 0 {
		opt.FalseRate = 0.0005
	}
	classes := append([]string{None}, opt.Families...)
	labels := make([]int, len(examples))
	for i, e := range examples {
		labels[i] = slices.Index(classes, e.Label)
		if labels[i] < 0 {
			return nil, fmt.Errorf("example %d (%q): label %q is not a family of the lexicon", i+1, e.Text, e.Label)
		}
	}
	if len(examples) == 0 {
		return nil, errors.New("no labelled turns to train on")
	}
	feats := make([][]string, len(examples))
	for i, e := range examples {
		feats[i] = Features(e.Text, e.Context)
	}
	all := make([]int, len(examples))
	for i := range all {
		all[i] = i
	}
	m := fit(classes, feats, labels, all)
	m.Lexicon = opt.Lexicon
	m.Thresholds = thresholds(classes, feats, labels, folds(examples), opt)
	for i, e := range examples {
		if labels[i] != 0 {
			m.examples = append(m.examples, e)
		}
	}
	slices.SortStableFunc(m.examples, func(a, b Example) int {
		return cmp.Or(cmp.Compare(a.Label, b.Label), cmp.Compare(a.Text, b.Text), cmp.Compare(a.Context, b.Context))
	})
	m.examples = slices.CompactFunc(m.examples, func(a, b Example) bool {
		return a.Label == b.Label && a.Text == b.Text && a.Context == b.Context
	})
	// What is used is what a file holds: weights as written, rounded.
	return Parse("trained model", m.Encode())
}

// folds groups example indexes by source; one source is cut in five.
func folds(examples []Example) [][]int {
	var names []string
	by := map[string][]int{}
	for i, e := range examples {
		if _, ok := by[e.Source]; !ok {
			names = append(names, e.Source)
		}
		by[e.Source] = append(by[e.Source], i)
	}
	if len(names) > 1 {
		out := make([][]int, len(names))
		for i, n := range names {
			out[i] = by[n]
		}
		return out
	}
	out := make([][]int, 5)
	for i := range examples {
		out[i%5] = append(out[i%5], i)
	}
	return out
}

// prediction is a held-out turn's best family and its score, and whether
// the turn is a fault (of any family).
type prediction struct {
	family int
	score  float64
	fault  bool
}

// thresholds picks, for each family, the least score at which the family's
// held-out predictions reach the precision wanted (on at least minSupport
// of them) and flag few enough fine turns; a family that never does gets
// none.
func thresholds(classes []string, feats [][]string, labels []int, folds [][]int, opt Options) map[string]float64 {
	var preds []prediction
	fine := 0 // held-out fine turns
	for k, test := range folds {
		var train []int
		for j, f := range folds {
			if j != k {
				train = append(train, f...)
			}
		}
		if len(train) == 0 {
			continue
		}
		m := fit(classes, feats, labels, train)
		for _, i := range test {
			p := m.scores(feats[i])
			best := 1
			for c := 2; c < len(p); c++ {
				if p[c] > p[best] {
					best = c
				}
			}
			preds = append(preds, prediction{best, p[best], labels[i] != 0})
			if labels[i] == 0 {
				fine++
			}
		}
	}
	out := map[string]float64{}
	for c := 1; c < len(classes); c++ {
		if t, ok := threshold(preds, c, opt.Precision, int(opt.FalseRate*float64(fine))); ok {
			out[classes[c]] = t
		}
	}
	return out
}

func threshold(preds []prediction, family int, precision float64, maxFalse int) (float64, bool) {
	var mine []prediction
	for _, p := range preds {
		if p.family == family && p.score >= minScore {
			mine = append(mine, p)
		}
	}
	slices.SortFunc(mine, func(a, b prediction) int { return cmp.Compare(b.score, a.score) })
	best, found := 0.0, false
	right := 0
	for i, p := range mine {
		if p.fault {
			right++
		}
		if i+1 < len(mine) && mine[i+1].score == p.score {
			continue // a threshold takes all of a score or none
		}
		if i+1-right > maxFalse {
			break // lower thresholds flag more fine turns still
		}
		if right >= minSupport && float64(right) >= precision*float64(i+1) {
			// Halfway to the next score down: held-out scores are a
			// sample, and a new turn scoring just below the last right
			// one is as likely right.
			below := minScore
			if i+1 < len(mine) {
				below = mine[i+1].score
			}
			best, found = (p.score+below)/2, true
		}
	}
	return round(best), found
}

// round keeps a threshold to four decimals, as written to the file.
func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// fit trains multinomial logistic regression on the examples at idx by
// AdaGrad, in an order fixed by a seeded generator.
func fit(classes []string, feats [][]string, labels []int, idx []int) *Model {
	count := map[string]int{}
	for _, i := range idx {
		for _, f := range unique(feats[i]) {
			count[f]++
		}
	}
	var vocab []string
	for f, n := range count {
		if n >= minCount {
			vocab = append(vocab, f)
		}
	}
	slices.Sort(vocab)
	id := make(map[string]int32, len(vocab))
	for i, f := range vocab {
		id[f] = int32(i)
	}
	rows := make([][]int32, len(feats))
	for _, i := range idx {
		for _, f := range unique(feats[i]) {
			if j, ok := id[f]; ok {
				rows[i] = append(rows[i], j)
			}
		}
	}
	nc := len(classes)
	w := make([]float64, len(vocab)*nc)
	g2 := make([]float64, len(w))
	bias, bg2 := make([]float64, nc), make([]float64, nc)
	order := slices.Clone(idx)
	rng := rand.New(rand.NewPCG(20261206, 1))
	logits := make([]float64, nc)
	for range epochs {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, i := range order {
			row := rows[i]
			scale := featureScale(len(row))
			copy(logits, bias)
			for _, f := range row {
				for c := range nc {
					logits[c] += scale * w[int(f)*nc+c]
				}
			}
			p := softmax(logits)
			for c := range nc {
				g := p[c]
				if c == labels[i] {
					g--
				}
				bg2[c] += g * g
				bias[c] -= learningRate * g / math.Sqrt(bg2[c]+1e-8)
				for _, f := range row {
					k := int(f)*nc + c
					gk := g*scale + l2*w[k]
					g2[k] += gk * gk
					w[k] -= learningRate * gk / math.Sqrt(g2[k]+1e-8)
				}
			}
		}
	}
	m := &Model{Classes: classes, weights: make(map[string][]float32, len(vocab)), bias: make([]float32, nc)}
	for c := range nc {
		m.bias[c] = float32(bias[c])
	}
	for j, f := range vocab {
		ws := make([]float32, nc)
		keep := false
		for c := range nc {
			ws[c] = float32(w[j*nc+c])
			keep = keep || math.Abs(w[j*nc+c]) >= pruneBelow
		}
		if keep {
			m.weights[f] = ws
		}
	}
	return m
}

func unique(fs []string) []string {
	out := slices.Clone(fs)
	slices.Sort(out)
	return slices.Compact(out)
}
