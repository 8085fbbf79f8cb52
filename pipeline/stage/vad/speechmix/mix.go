package speechmix

import (
	"math"
	"math/rand/v2"

	"github.com/callqa/callqa/pipeline/timeline"
)

// Parties of a call, by channel.
const (
	Agent    = 0
	Customer = 1
)

// Turn is a clip said by a party, starting at a time of the call.
type Turn struct {
	Clip  Clip
	Party int
	At    float64 // seconds
}

// Line is what a party's channel carries besides speech.
type Line struct {
	// NoiseDBFS is steady white noise at this RMS level (0: none).
	NoiseDBFS float64
	// HumDBFS is 50 Hz mains hum with its third harmonic at this RMS
	// level (0: none).
	HumDBFS float64
}

// Options say how a call is rendered.
type Options struct {
	Rate int // of the clips and the call
	// LeakDB puts each party into the other's channel this much quieter
	// (line echo; 0: none).
	LeakDB float64
	// Lines are the agent's and the customer's channels.
	Lines [2]Line
	// DigitalSilence makes every sample of a clip outside its labelled
	// speech exactly zero, as recorders and codecs with silence
	// suppression store pauses (background, if any, is added after).
	DigitalSilence bool
	Seed           uint64
}

// Mix renders the turns into interleaved stereo of the given length and
// returns each party's true speech: the clips' labels, shifted to the call.
func Mix(turns []Turn, seconds float64, o Options) (samples []float64, truth [2][]timeline.Interval) {
	rate := float64(o.Rate)
	n := int(seconds * rate)
	samples = make([]float64, 2*n)
	leak := 0.0
	if o.LeakDB != 0 {
		leak = math.Pow(10, o.LeakDB/20)
	}
	for _, t := range turns {
		start := int(math.Round(t.At * rate))
		own, other := t.Party, 1-t.Party
		next := 0 // the first labelled span not yet over
		for i, v := range t.Clip.Samples {
			k := start + i
			if k < 0 || k >= n {
				continue
			}
			if o.DigitalSilence {
				at := float64(i) / rate
				for next < len(t.Clip.Speech) && at >= t.Clip.Speech[next].End {
					next++
				}
				if next == len(t.Clip.Speech) || at < t.Clip.Speech[next].Start {
					continue // a pause: exact zero
				}
			}
			samples[2*k+own] += v
			samples[2*k+other] += leak * v
		}
		for _, s := range t.Clip.Speech {
			iv := timeline.Interval{Start: t.At + s.Start, End: min(t.At+s.End, seconds)}
			if iv.End > iv.Start {
				truth[t.Party] = append(truth[t.Party], iv)
			}
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	for c, line := range o.Lines {
		noise, hum := level(line.NoiseDBFS), level(line.HumDBFS)*math.Sqrt2/math.Sqrt(1+0.09)
		if noise == 0 && hum == 0 {
			continue
		}
		for k := range n {
			at := float64(k) / rate
			samples[2*k+c] += noise*rng.NormFloat64() + hum*(math.Sin(2*math.Pi*50*at)+0.3*math.Sin(2*math.Pi*150*at))
		}
	}
	for p := range truth {
		truth[p] = timeline.Union(truth[p])
	}
	return samples, truth
}

func level(dbfs float64) float64 {
	if dbfs == 0 {
		return 0
	}
	return math.Pow(10, dbfs/20)
}

// Conversation lays clips end to end for seconds, the parties taking turns:
// each turn starts as the last one's speech ends, in turn 0.4 s later and
// overlap seconds earlier (so there are pauses and overtalk both), the
// clips taken in order, round and round.
func Conversation(clips []Clip, seconds, overlap float64) []Turn {
	var turns []Turn
	at := 0.5
	for i := 0; at < seconds && len(clips) > 0; i++ {
		c := clips[i%len(clips)]
		if len(c.Speech) == 0 {
			if i >= len(clips) && len(turns) == 0 {
				break // no clip has speech
			}
			continue
		}
		start := at - c.Speech[0].Start
		turns = append(turns, Turn{Clip: c, Party: i % 2, At: start})
		end := start + c.Speech[len(c.Speech)-1].End
		if i%2 == 0 {
			at = end + 0.4
		} else {
			at = end - overlap
		}
	}
	return turns
}
