package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/timeline"
)

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A timed transcript without a recording gives each party's talk time,
// the silence between them, overtalk and latency, from its times.
func TestTranscriptOnlyTalkTimes(t *testing.T) {
	e := newEngine(t)
	path := write(t, t.TempDir(), "c.json", []byte(`{"segments": [
	  {"speaker": "agent", "start": 1, "end": 4, "text": "您好，请问有什么可以帮您"},
	  {"speaker": "agent", "start": 3.5, "end": 5, "text": "请讲"},
	  {"speaker": "customer", "start": 3.5, "end": 8, "text": "我想查一下话费"},
	  {"speaker": "agent", "start": 20, "end": 22, "text": "好的，感谢来电，再见"}]}`))
	c := e.Process(source.Call{ID: "c", TranscriptPath: path})
	if c.Err != nil {
		t.Fatal(c.Err)
	}
	if c.Parties == nil || timeline.Total(c.Parties.Agent) != 6 || timeline.Total(c.Parties.Customer) != 4.5 {
		t.Fatalf("parties %+v", c.Parties)
	}
	if c.Silence == nil || c.Silence.TotalS != 12 || c.Silence.LongestS != 12 || len(c.Silence.Intervals) != 1 {
		t.Errorf("silence %+v", c.Silence)
	}
	if c.Overtalk == nil || c.Overtalk.TotalS != 1.5 || c.Latency == nil {
		t.Errorf("overtalk %+v, latency %+v", c.Overtalk, c.Latency)
	}
	// Speech rate uses the same talk time: 21 Han characters in 6 s.
	if r := c.AgentSpeechRateCPM; r == nil {
		t.Error("no agent speech rate")
	} else if *r < 209.999 || *r > 210.001 {
		t.Errorf("agent speech rate %v", *r)
	}
	if w := strings.Join(c.Warnings, "\n"); !strings.Contains(w, "1 segments of the agent overlap") {
		t.Errorf("warnings %q", w)
	}
}

// Warnings found with the call (a manifest's bad started_at) are the
// call's warnings; an empty transcript is one too.
func TestCallWarnings(t *testing.T) {
	e := newEngine(t)
	path := write(t, t.TempDir(), "c.json", []byte(`{"segments": []}`))
	c := e.Process(source.Call{ID: "c", TranscriptPath: path, Warnings: []string{"manifest m.csv:2: started_at \"x\" is not a time"}})
	if c.Err != nil {
		t.Fatal(c.Err)
	}
	w := strings.Join(c.Warnings, "\n")
	for _, want := range []string{`started_at "x"`, "transcript: no utterances"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings %q lack %q", w, want)
		}
	}
}

// A transcript that goes on after its recording ends is kept, with a
// warning saying where; one with a time beyond a day is refused.
func TestTranscriptTimesAgainstRecording(t *testing.T) {
	e := newEngine(t)
	dir := t.TempDir()
	s := samplegen.Calls()[0]
	audio := write(t, dir, "c.wav", s.WAV())
	late := write(t, dir, "late.json", []byte(`{"segments": [
	  {"speaker": "agent", "start": 1, "end": 2, "text": "您好"},
	  {"speaker": "customer", "start": 5000, "end": 5002, "text": "喂"}]}`))
	c := e.Process(source.Call{ID: "c", AudioPath: audio, TranscriptPath: late})
	if c.Err != nil {
		t.Fatal(c.Err)
	}
	if w := strings.Join(c.Warnings, "\n"); !strings.Contains(w, "transcript: 1 segments end after the recording does") || !strings.Contains(w, "the first at 5000.0–5002.0 s") {
		t.Errorf("warnings %q", w)
	}
	absurd := write(t, dir, "absurd.json", []byte(`{"segments": [{"speaker": "agent", "start": 1e12, "end": 1e12, "text": "您好"}]}`))
	c = e.Process(source.Call{ID: "c", AudioPath: audio, TranscriptPath: absurd})
	if c.Err == nil || !strings.Contains(c.Err.Error(), "$.segments[0]: time 1e+12 s is beyond 24 hours") {
		t.Errorf("error %v", c.Err)
	}
}
