package audio

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/pipeline/stage/decode"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/features"
	"github.com/callqa/callqa/pipeline/stage/vad/speechmix"
	"github.com/callqa/callqa/pipeline/timeline"
)

// TestMixedCallsReport measures talk time and overtalk against the exact
// truth on stereo calls mixed from the labelled speech (pipeline/stage/vad/speechmix):
// four turns each, 1 s of overtalk every other turn, line echo at -30 dB,
// and the customer's line clean, with steady white background at -43 dBFS,
// with 50 Hz hum at -45 dBFS, or with white noise 20, 15 and 10 dB under the
// customer's speech. It prints a row per call and background and the share
// within issue 21's bounds (overtalk within 0.5 s, each party's talk within
// 10 %); it is a report, run by bench/audio.sh (CALLQA_MIXED_REPORT=1), not
// a gate, until the detector meets them.
func TestMixedCallsReport(t *testing.T) {
	if os.Getenv("CALLQA_MIXED_REPORT") == "" {
		t.Skip("a report: CALLQA_MIXED_REPORT=1 runs it")
	}
	if _, err := os.Stat(speechFixtures); err != nil {
		t.Skip("no ../shared/fixtures/speech beside the project")
	}
	clips, err := speechmix.ReadDir(speechFixtures)
	if err != nil {
		t.Fatal(err)
	}
	for i := range clips {
		clips[i] = speechmix.Halve(clips[i])
	}
	settings := lexicon.DefaultSettings
	cfg := features.Config{DeadAirMinS: settings.DeadAirMinS, OvertalkMinS: settings.OvertalkMinS, BackchannelMaxS: settings.BackchannelMaxS}
	backgrounds := []struct {
		name  string
		line  speechmix.Line
		snrDB float64 // white noise this far under the customer's speech
	}{
		{name: "clean"},
		{name: "steady -43 dBFS", line: speechmix.Line{NoiseDBFS: -43}},
		{name: "hum -45 dBFS", line: speechmix.Line{HumDBFS: -45}},
		{name: "white 20 dB SNR", snrDB: 20},
		{name: "white 15 dB SNR", snrDB: 15},
		{name: "white 10 dB SNR", snrDB: 10},
	}
	var report strings.Builder
	fmt.Fprintf(&report, "%-34s %-16s %9s %9s %9s %9s %s\n", "call", "background", "agent %", "cust %", "over s", "truth s", "within")
	within, total := 0, 0
	for first := 0; first+4 <= len(clips); first += 4 {
		four := clips[first : first+4]
		var length float64
		for _, c := range four {
			length += c.Seconds()
		}
		turns := speechmix.Conversation(four, length, 1.0)
		if len(turns) < 4 {
			t.Fatalf("%d turns from %s", len(turns), four[0].Name)
		}
		turns = turns[:4]
		last := turns[3]
		seconds := last.At + last.Clip.Seconds() + 1
		name := four[0].Name + "+3"
		for _, bg := range backgrounds {
			opt := speechmix.Options{Rate: 8000, LeakDB: -30, Seed: uint64(first)}
			opt.Lines[speechmix.Customer] = bg.line
			if bg.snrDB != 0 {
				opt.Lines[speechmix.Customer].NoiseDBFS = speechDBFS(turns, speechmix.Customer) - bg.snrDB
			}
			samples, truth := speechmix.Mix(turns, seconds, opt)
			path := filepath.Join(t.TempDir(), "call.wav")
			if err := os.WriteFile(path, samplegen.EncodeWAV(samples, 2, 8000, "pcm16"), 0o644); err != nil {
				t.Fatal(err)
			}
			rec, err := Analyze(path, NewConfig(settings, false, decode.Options{}))
			if err != nil {
				t.Fatal(err)
			}
			agentTruth, customerTruth := bridged(truth[0], settings.VADMinSilenceS), bridged(truth[1], settings.VADMinSilenceS)
			agent, customer := rec.Channels[0].Speech, rec.Channels[1].Speech
			errOf := func(got, want []timeline.Interval) float64 {
				return 100 * (timeline.Total(got) - timeline.Total(want)) / timeline.Total(want)
			}
			overGot := episodesTotal(features.MeasureOvertalk(agent, customer, cfg).Episodes)
			overTruth := episodesTotal(features.MeasureOvertalk(agentTruth, customerTruth, cfg).Episodes)
			ae, ce := errOf(agent, agentTruth), errOf(customer, customerTruth)
			ok := math.Abs(ae) <= 10 && math.Abs(ce) <= 10 && math.Abs(overGot-overTruth) <= 0.5
			total++
			if ok {
				within++
			}
			fmt.Fprintf(&report, "%-34s %-16s %+9.1f %+9.1f %9.2f %9.2f %v\n", name, bg.name, ae, ce, overGot, overTruth, ok)
		}
	}
	fmt.Fprintf(&report, "within the bounds: %d of %d calls\n", within, total)
	t.Log("\n" + report.String())
}

// speechDBFS is the RMS level of a party's labelled speech over its turns.
func speechDBFS(turns []speechmix.Turn, party int) float64 {
	var sum float64
	n := 0
	for _, tu := range turns {
		if tu.Party != party {
			continue
		}
		for i, v := range tu.Clip.Samples {
			at := float64(i) / float64(tu.Clip.Rate)
			for _, s := range tu.Clip.Speech {
				if at >= s.Start && at < s.End {
					sum += v * v
					n++
					break
				}
			}
		}
	}
	return 10 * math.Log10(sum/float64(max(n, 1)))
}

func episodesTotal(eps []features.Episode) float64 {
	var s float64
	for _, e := range eps {
		s += e.End - e.Start
	}
	return s
}
