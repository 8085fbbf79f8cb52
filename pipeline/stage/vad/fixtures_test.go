package vad

// Accuracy on real speech with hand labels: the development clips in
// ../shared/fixtures/speech (SOURCE.md there gives their licence: they are
// used here to measure, never copied into the repository, and these tests
// skip when they are absent). Each clip is scored at 16 kHz as recorded, at
// 8 kHz, and at 8 kHz through G.711 mu-law, in 10 ms frames: a frame is
// speech when its centre lies in a label-1 span.
//
// Issue 13's targets, at 8 kHz (PCM and mu-law), pooled over the clips:
// F1 >= 0.93 and accuracy >= 0.88, no clip below F1 0.6, and the same at
// 16 kHz. TestFixtures asserts what the detector reaches (a little below
// it), not the targets: see the README's Definitions for the figures.
//
// CALLQA_VAD_CV=1 adds a leave-one-clip-out cross-validation of the tuned
// settings (TestFixturesCrossValidated); CALLQA_VAD_SET=onDB=4,padS=0.02
// scores other settings (parameter names as in params).

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zaf/g711"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/vad/speechmix"
	"github.com/callqa/callqa/pipeline/timeline"
)

// speechDir finds ../shared/fixtures/speech beside the repository (or
// CALLQA_SPEECH_FIXTURES), or skips the test.
func speechDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CALLQA_SPEECH_FIXTURES"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Skip("no working directory")
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "fixtures", "speech")
			if _, err := os.Stat(d); err != nil {
				t.Skip("labelled speech not present (../shared/fixtures/speech)")
			}
			return d
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
}

// labelled is one clip: its samples in each condition and its frame labels.
type labelled struct {
	name   string
	rate   []int
	x      [][]float32 // per condition
	labels []bool
}

var conditions = []string{"16k", "8k", "8k-mulaw"}

var (
	clipsOnce sync.Once
	clipsAll  []labelled
	clipsErr  error
)

func loadClips(t testing.TB) []labelled {
	t.Helper()
	dir := speechDir(t)
	clipsOnce.Do(func() { clipsAll, clipsErr = readClips(dir) })
	if clipsErr != nil {
		t.Fatal(clipsErr)
	}
	if len(clipsAll) == 0 {
		t.Skip("no clips in " + dir)
	}
	return clipsAll
}

func readClips(dir string) ([]labelled, error) {
	clips, err := speechmix.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []labelled
	for _, c := range clips {
		if c.Rate != 16000 {
			return nil, fmt.Errorf("%s: %d Hz, want 16000", c.Name, c.Rate)
		}
		x, x8 := toFloat32(c.Samples), toFloat32(speechmix.Decimate2(c.Samples))
		mu := make([]float32, len(x8))
		for i, v := range x8 {
			s := int16(max(-32768, min(32767, math.Round(float64(v)*32768))))
			mu[i] = float32(g711.DecodeUlawFrame(g711.EncodeUlawFrame(s))) / 32768
		}
		out = append(out, labelled{
			name:   c.Name,
			rate:   []int{16000, 8000, 8000},
			x:      [][]float32{x, x8, mu},
			labels: frameLabels(c.Speech, c.Seconds()),
		})
	}
	return out, nil
}

func toFloat32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// frameLabels marks each 10 ms frame whose centre lies in a span.
func frameLabels(spans []timeline.Interval, length float64) []bool {
	out := make([]bool, int(length/frameS))
	for i := range out {
		out[i] = inside(spans, (float64(i)+0.5)*frameS)
	}
	return out
}

func inside(ivs []timeline.Interval, t float64) bool {
	for _, iv := range ivs {
		if t >= iv.Start && t < iv.End {
			return true
		}
	}
	return false
}

// counts is a frame confusion matrix.
type counts struct{ tp, fp, fn, tn int }

func (c *counts) add(o counts) { c.tp += o.tp; c.fp += o.fp; c.fn += o.fn; c.tn += o.tn }

func (c counts) scores() (f1, precision, recall, acc float64) {
	precision = float64(c.tp) / float64(max(1, c.tp+c.fp))
	recall = float64(c.tp) / float64(max(1, c.tp+c.fn))
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	acc = float64(c.tp+c.tn) / float64(max(1, c.tp+c.fp+c.fn+c.tn))
	return
}

func score(labels []bool, speech []timeline.Interval) counts {
	var c counts
	for f, l := range labels {
		p := inside(speech, (float64(f)+0.5)*frameS)
		switch {
		case p && l:
			c.tp++
		case p:
			c.fp++
		case l:
			c.fn++
		default:
			c.tn++
		}
	}
	return c
}

// shipped is what callqa runs with: the lexicon's settings over defaults.
func shipped() params {
	cfg := NewConfig(lexicon.DefaultSettings)
	p := defaults
	p.onDB, p.offDB, p.bridgeS, p.minSpeechS = cfg.OnDB, cfg.OffDB, cfg.MinSilenceS, cfg.MinSpeechS
	return p
}

// withSet applies "name=value,..." overrides to p.
func withSet(t testing.TB, p params, set string) params {
	t.Helper()
	fields := map[string]*float64{
		"highPassHz": &p.highPassHz, "lowBandHz": &p.lowBandHz, "minPeriodicity": &p.minPeriodicity,
		"noiseWindowS": &p.noiseWindowS, "maxSpreadDB": &p.maxSpreadDB, "spreadK": &p.spreadK, "onDB": &p.onDB, "offDB": &p.offDB,
		"minLevelDB": &p.minLevelDB, "minVoicedS": &p.minVoicedS, "minFluxDB": &p.minFluxDB,
		"bridgeS": &p.bridgeS, "minSpeechS": &p.minSpeechS, "padS": &p.padS, "hangS": &p.hangS,
		"echoDB": &p.echoDB, "echoLagS": &p.echoLagS, "echoPathS": &p.echoPathS, "minEchoCorrelation": &p.minEchoCorrelation,
	}
	for kv := range strings.SplitSeq(set, ",") {
		if kv == "" {
			continue
		}
		name, val, _ := strings.Cut(kv, "=")
		x, err := strconv.ParseFloat(val, 64)
		if err != nil || fields[name] == nil {
			t.Fatalf("bad setting %q", kv)
		}
		*fields[name] = x
	}
	return p
}

// run scores every clip in condition c.
func run(cs []labelled, c int, p params) []counts {
	out := make([]counts, len(cs))
	for i, cl := range cs {
		d := newDetector(cl.rate[c], 1, p)
		d.Write(cl.x[c])
		out[i] = score(cl.labels, d.Close()[0].Speech)
	}
	return out
}

// summary is the pooled scores and the worst clip's F1.
type summary struct {
	f1, precision, recall, acc, worst float64
	worstClip                         string
}

func table(t *testing.T, title string, cs []labelled, per []counts) summary {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%-18s %6s %6s %6s %6s\n", title, "clip", "F1", "P", "R", "acc")
	var pool counts
	s := summary{worst: 2}
	for i, c := range per {
		f1, p, r, acc := c.scores()
		fmt.Fprintf(&b, "%-18s %6.3f %6.3f %6.3f %6.3f\n", cs[i].name, f1, p, r, acc)
		pool.add(c)
		if f1 < s.worst {
			s.worst, s.worstClip = f1, cs[i].name
		}
	}
	s.f1, s.precision, s.recall, s.acc = pool.scores()
	fmt.Fprintf(&b, "%-18s %6.3f %6.3f %6.3f %6.3f   worst F1 %.3f (%s)", "pooled", s.f1, s.precision, s.recall, s.acc, s.worst, s.worstClip)
	t.Log(b.String())
	return s
}

// TestFixtures scores the shipped detector on every clip and condition and
// asserts what it reaches, rounded down.
func TestFixtures(t *testing.T) {
	cs := loadClips(t)
	p := withSet(t, shipped(), os.Getenv("CALLQA_VAD_SET"))
	for c, name := range conditions {
		s := table(t, name, cs, run(cs, c, p))
		if os.Getenv("CALLQA_VAD_SET") != "" {
			continue
		}
		// What the detector reaches (16k 0.932/0.896, worst 0.824; 8k
		// and mu-law 0.936/0.902, worst 0.879), a little lower. Issue 13
		// asks for F1 0.93, accuracy 0.88, no clip below 0.6.
		const minF1, minAcc, minWorst = 0.93, 0.89, 0.82
		if s.f1 < minF1 || s.acc < minAcc || s.worst < minWorst {
			t.Errorf("%s: pooled F1 %.3f, accuracy %.3f, worst clip %.3f; want at least %.3f, %.2f, %.2f",
				name, s.f1, s.acc, s.worst, minF1, minAcc, minWorst)
		}
	}
}

// cvGrid is what the cross-validation tunes.
var cvGrid = map[string][]float64{
	"onDB":       {3, 4},
	"spreadK":    {1.5, 2, 2.5},
	"bridgeS":    {0.2, 0.3},
	"minVoicedS": {0.03, 0.05},
	"padS":       {0.02, 0.04},
	"hangS":      {0.04, 0.1, 0.15},
}

// TestFixturesCrossValidated: for each clip, the grid point with the best
// pooled F1 + accuracy on the other clips (8 kHz and mu-law together) is
// scored on it. An in-sample figure chosen over a grid flatters; this one
// says what to expect on clips nobody tuned on.
func TestFixturesCrossValidated(t *testing.T) {
	if os.Getenv("CALLQA_VAD_CV") == "" {
		t.Skip("set CALLQA_VAD_CV=1 (about a minute)")
	}
	cs := loadClips(t)
	base := withSet(t, shipped(), os.Getenv("CALLQA_VAD_SET"))
	sets := []string{""}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range cvGrid {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		var next []string
		for _, s := range sets {
			for _, v := range cvGrid[name] {
				next = append(next, strings.TrimPrefix(s+","+name+"="+strconv.FormatFloat(v, 'g', -1, 64), ","))
			}
		}
		sets = next
	}
	res := make([][][]counts, len(sets)) // [point][condition][clip]
	for k, set := range sets {
		p := withSet(t, base, set)
		for c := range conditions {
			res[k] = append(res[k], run(cs, c, p))
		}
	}
	objective := func(k, skip int) float64 {
		var pool counts
		for c := 1; c < len(conditions); c++ { // 8k and 8k-mulaw
			for i, n := range res[k][c] {
				if i != skip {
					pool.add(n)
				}
			}
		}
		f1, _, _, acc := pool.scores()
		return f1 + acc
	}
	best := func(skip int) int {
		b := 0
		for k := range sets {
			if objective(k, skip) > objective(b, skip) {
				b = k
			}
		}
		return b
	}
	t.Logf("%d grid points; best on all clips: %s", len(sets), sets[best(-1)])
	chosen := make([]int, len(cs))
	for i := range cs {
		chosen[i] = best(i)
		t.Logf("without %s: %s", cs[i].name, sets[chosen[i]])
	}
	for c, name := range conditions {
		per := make([]counts, len(cs))
		for i := range cs {
			per[i] = res[chosen[i]][c][i]
		}
		table(t, name+" (leave-one-clip-out)", cs, per)
		table(t, name+" (in-sample best: "+sets[best(-1)]+")", cs, res[best(-1)][c])
	}
}

// TestDumpClips writes each clip in each condition as raw 16-bit
// little-endian samples, NAME.CONDITION.s16, into the folder
// CALLQA_VAD_DUMP names: what bench/vadref.sh feeds the reference
// detectors, so that they hear exactly what this detector hears. It does
// nothing otherwise. The folder must be outside the repository (the clips'
// licence).
func TestDumpClips(t *testing.T) {
	dir := os.Getenv("CALLQA_VAD_DUMP")
	if dir == "" {
		t.Skip("set CALLQA_VAD_DUMP to a folder to write the clips")
	}
	for _, c := range loadClips(t) {
		for k, cond := range conditions {
			b := make([]byte, 2*len(c.x[k]))
			for i, v := range c.x[k] {
				s := int16(max(-32768, min(32767, math.Round(float64(v)*32768))))
				b[2*i], b[2*i+1] = byte(s), byte(uint16(s)>>8)
			}
			if err := os.WriteFile(filepath.Join(dir, c.name+"."+cond+".s16"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
