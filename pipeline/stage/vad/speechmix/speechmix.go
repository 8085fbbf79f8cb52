// Package speechmix builds stereo calls from real, hand-labelled speech:
// the agent's clip on the left channel, the customer's on the right, placed
// so that they overlap by a known amount, with what real lines add (echo of
// the other party, steady background, digital silence between words). The
// truth of each party's speech comes from the labels, so it is exact.
//
// The labelled clips themselves (../shared/fixtures/speech) are licensed
// for use beside the project only: this package reads them where they are
// and never holds or writes a copy into the repository.
package speechmix

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/callqa/callqa/pipeline/stage/decode"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Clip is one labelled mono recording.
type Clip struct {
	Name    string
	Rate    int
	Samples []float64
	// Speech are the labelled spans of speech, in seconds from the start,
	// in time order.
	Speech []timeline.Interval
}

// Seconds is the clip's length.
func (c Clip) Seconds() float64 { return float64(len(c.Samples)) / float64(c.Rate) }

// ReadDir reads every NAME.wav with its NAME.scv labels in dir, by name.
func ReadDir(dir string) ([]Clip, error) {
	wavs, err := filepath.Glob(filepath.Join(dir, "*.wav"))
	if err != nil {
		return nil, err
	}
	slices.Sort(wavs)
	var out []Clip
	for _, w := range wavs {
		c, err := ReadClip(w)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ReadClip reads a mono recording and its labels (the .scv beside it:
// "NAME,start,end,label,start,end,label,..." with label 1 for speech).
func ReadClip(wavPath string) (Clip, error) {
	x, rate, err := readMono(wavPath)
	if err != nil {
		return Clip{}, fmt.Errorf("%s: %w", wavPath, err)
	}
	labelPath := strings.TrimSuffix(wavPath, filepath.Ext(wavPath)) + ".scv"
	raw, err := os.ReadFile(labelPath)
	if err != nil {
		return Clip{}, err
	}
	speech, err := ParseLabels(string(raw))
	if err != nil {
		return Clip{}, fmt.Errorf("%s: %w", labelPath, err)
	}
	name := strings.TrimSuffix(filepath.Base(wavPath), filepath.Ext(wavPath))
	return Clip{Name: name, Rate: rate, Samples: x, Speech: speech}, nil
}

func readMono(path string) ([]float64, int, error) {
	s, err := decode.Open(path, decode.Options{})
	if err != nil {
		return nil, 0, err
	}
	defer s.Close()
	if s.Format.Channels != 1 {
		return nil, 0, errors.New("not mono")
	}
	var out []float64
	buf := make([]float32, 4096)
	for {
		n, err := s.Read(buf)
		for _, v := range buf[:n] {
			out = append(out, float64(v))
		}
		if errors.Is(err, io.EOF) {
			return out, s.Format.SampleRate, nil
		}
		if err != nil {
			return nil, 0, err
		}
	}
}

// ParseLabels reads "NAME,start,end,label,start,end,label,..." into the
// spans labelled 1.
func ParseLabels(s string) ([]timeline.Interval, error) {
	f := strings.Split(strings.TrimSpace(s), ",")
	var spans []timeline.Interval
	for i := 1; i+2 < len(f); i += 3 {
		a, e1 := strconv.ParseFloat(strings.TrimSpace(f[i]), 64)
		b, e2 := strconv.ParseFloat(strings.TrimSpace(f[i+1]), 64)
		if e1 != nil || e2 != nil {
			return nil, fmt.Errorf("bad label at field %d", i)
		}
		if strings.TrimSpace(f[i+2]) == "1" {
			spans = append(spans, timeline.Interval{Start: a, End: b})
		}
	}
	return spans, nil
}

// Halve resamples a clip to half its rate (16 kHz to 8 kHz, as a telephone
// line carries it): the half-band low-pass, then every second sample.
func Halve(c Clip) Clip {
	c.Samples, c.Rate = Decimate2(c.Samples), c.Rate/2
	return c
}

// halfBand is a 95-tap Kaiser-windowed sinc low-pass (beta 8, about 80 dB
// stop-band) cut at 0.23 of the input rate: 3.68 kHz for 16 kHz in, so the
// telephone band passes and nothing folds back when every other sample is
// dropped.
var halfBand = func() []float64 {
	const taps, beta, fc = 95, 8.0, 0.23
	h := make([]float64, taps)
	m := float64(taps-1) / 2
	var sum float64
	for i := range h {
		x := float64(i) - m
		s := 2 * fc
		if x != 0 {
			s = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		r := x / m
		h[i] = s * bessel0(beta*math.Sqrt(1-r*r)) / bessel0(beta)
		sum += h[i]
	}
	for i := range h {
		h[i] /= sum
	}
	return h
}()

func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / 2 / float64(k)) * (x / 2 / float64(k))
		sum += term
	}
	return sum
}

// Decimate2 halves the rate of x: the low-pass above, then every second
// sample (output k lines up with input 2k: no delay).
func Decimate2(x []float64) []float64 {
	h := halfBand
	m := len(h) / 2
	out := make([]float64, len(x)/2)
	for k := range out {
		var acc float64
		for j, hj := range h {
			if i := 2*k + j - m; i >= 0 && i < len(x) {
				acc += hj * x[i]
			}
		}
		out[k] = acc
	}
	return out
}
