package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/audio"
	"github.com/callqa/callqa/pipeline/stage/transcript"
	"github.com/callqa/callqa/pipeline/timeline"
)

// TestReviewReasons: a call whose recording cannot support its figures
// (cut short, silent, one dead channel) or whose transcript is empty needs
// review; a sound call, or one a little shorter than its transcript's
// rounded times, does not.
func TestReviewReasons(t *testing.T) {
	talk := []timeline.Interval{{Start: 1, End: 4}}
	stereo := func(duration float64, agent, customer []timeline.Interval) *audio.Recording {
		return &audio.Recording{Duration: duration, Channels: []audio.Channel{{Speech: agent}, {Speech: customer}}}
	}
	timed := func(end float64) *transcript.Transcript {
		return &transcript.Transcript{Timed: true, Segments: []transcript.Segment{
			{Speaker: transcript.Agent, Start: 0.5, End: 4, Text: "您好"},
			{Speaker: transcript.Customer, Start: end - 2, End: end, Text: "再见"},
		}}
	}
	for _, tc := range []struct {
		name string
		call Call
		want []string
	}{
		{"sound", Call{Recording: stereo(30, talk, talk), Transcript: timed(29)}, nil},
		{"rounded end", Call{Recording: stereo(30, talk, talk), Transcript: timed(31.5)}, nil},
		{"truncated to 0.1 s", Call{Recording: stereo(0.1, talk, talk), Transcript: timed(30)}, []string{ReviewRecordingShort}},
		{"untimed transcript", Call{Recording: stereo(0.1, talk, talk), Transcript: &transcript.Transcript{Segments: []transcript.Segment{{Text: "您好"}}}}, nil},
		{"silent", Call{Recording: stereo(30, nil, nil)}, []string{ReviewNoSpeech}},
		{"silent mono", Call{Recording: &audio.Recording{Duration: 30, Channels: []audio.Channel{{}}}}, []string{ReviewNoSpeech}},
		{"dead agent", Call{Recording: stereo(30, nil, talk)}, []string{ReviewAgentChannelDead}},
		{"dead customer", Call{Recording: stereo(30, talk, nil)}, []string{ReviewCustomerChannelDead}},
		{"dead agent on the right", Call{AgentChannel: source.Right, Recording: stereo(30, nil, talk)}, []string{ReviewCustomerChannelDead}},
		{"empty transcript", Call{Transcript: &transcript.Transcript{}}, []string{ReviewEmptyTranscript}},
		{"punctuation only", Call{Transcript: &transcript.Transcript{Segments: []transcript.Segment{{Text: "。。。"}, {Text: "……"}}}}, []string{ReviewEmptyTranscript}},
		{"truncated and empty", Call{Recording: stereo(0.1, nil, nil), Transcript: &transcript.Transcript{Timed: true}}, []string{ReviewNoSpeech, ReviewEmptyTranscript}},
		{"transcript only", Call{Transcript: timed(30)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reasons, warnings := reviewReasons(&tc.call)
			if !slices.Equal(reasons, tc.want) || len(warnings) != len(reasons) {
				t.Fatalf("reasons %q, warnings %q; want %q", reasons, warnings, tc.want)
			}
			for _, w := range warnings {
				if !strings.HasPrefix(w, "needs review: ") {
					t.Errorf("warning %q", w)
				}
			}
		})
	}
}

// TestTruncatedRecordingNeedsReview: the clean sample call with its
// recording cut to its first 0.1 s (the transcript intact) once scored 100
// and passed. It now needs review, with a warning, and has no verdict;
// the whole call still passes.
func TestTruncatedRecordingNeedsReview(t *testing.T) {
	e := newEngine(t)
	whole := e.Process(source.Call{ID: "clean", AudioPath: "../testdata/calls/clean.wav", TranscriptPath: "../testdata/calls/clean.json"})
	if whole.Failed() || len(whole.Review) != 0 || whole.Passed() == nil || !*whole.Passed() {
		t.Fatalf("the clean call: err %v, review %q, passed %v", whole.Err, whole.Review, whole.Passed())
	}
	data, err := os.ReadFile("../testdata/calls/clean.wav")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "clean.wav")
	if err := os.WriteFile(cut, data[:44+int(0.1*8000)*2*2], 0o644); err != nil { // header, then 0.1 s of 8 kHz 16-bit stereo
		t.Fatal(err)
	}
	c := e.Process(source.Call{ID: "clean", AudioPath: cut, TranscriptPath: "../testdata/calls/clean.json"})
	if c.Failed() || !slices.Contains(c.Review, ReviewRecordingShort) || c.Passed() != nil {
		t.Fatalf("the truncated call: err %v, review %q, passed %v", c.Err, c.Review, c.Passed())
	}
	if !slices.ContainsFunc(c.Warnings, func(w string) bool { return strings.HasPrefix(w, "needs review: the recording lasts 0.1 s") }) {
		t.Errorf("warnings %q", c.Warnings)
	}
}
