package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/samplegen"
	"github.com/callqa/callqa/pipeline/source"
	"github.com/callqa/callqa/pipeline/stage/normalize"
)

// ruleResults is what must not depend on a transcript's format.
func ruleResults(t *testing.T, c Call, timed bool) string {
	t.Helper()
	if c.Err != nil {
		t.Fatalf("error: %s", c.Err)
	}
	out := fmt.Sprintf("score %v passed %v greeting %v closing %v banned %d\n",
		c.Card.Score, c.Card.Passed, *c.GreetingOK, *c.ClosingOK, *c.BannedCount())
	for _, h := range c.Card.Hits {
		line := fmt.Sprintf("%s %s", h.RuleID, h.Speaker)
		if h.SegmentIndex >= 0 {
			line += fmt.Sprintf(" #%d", h.SegmentIndex)
		}
		if h.Matched != "" {
			line += " " + normalize.New(h.Matched).Norm
		}
		if timed && h.Timed {
			line += fmt.Sprintf(" %.2f-%.2f", h.Start, h.End)
		}
		out += line + fmt.Sprintf(" -%v\n", h.Penalty)
	}
	return out
}

// TestSameResultsFromEveryFormat reads one call's transcript in every
// format and encoding (testdata/formats) and checks that the rules find the
// same hits, with the same scores, as from the canonical JSON.
func TestSameResultsFromEveryFormat(t *testing.T) {
	e := newEngine(t)
	dir := filepath.Join("..", "testdata", "formats")
	process := func(name string) Call {
		return e.Process(source.Call{ID: samplegen.FormatSample, TranscriptPath: filepath.Join(dir, name)})
	}
	want := ruleResults(t, process("canonical.json"), true)
	if !strings.Contains(want, "banned.shirking") {
		t.Fatalf("the canonical transcript finds no shirking:\n%s", want)
	}
	wantUntimed := ruleResults(t, process("canonical.json"), false)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, entry := range entries {
		name := entry.Name()
		seen = append(seen, name)
		t.Run(name, func(t *testing.T) {
			r := process(name)
			timed := !strings.HasPrefix(name, "plain")
			w := want
			if !timed {
				w = wantUntimed
			}
			if got := ruleResults(t, r, timed); got != w {
				t.Errorf("rule results differ from the canonical JSON:\n got:\n%s\nwant:\n%s", got, w)
			}
			if !timed && (r.AgentSpeechRateCPM != nil || r.Card.Hits[0].Timed) {
				t.Errorf("an untimed transcript has times or a speech rate")
			}
			if timed && r.AgentSpeechRateCPM == nil {
				t.Errorf("no speech rate from a timed transcript")
			}
		})
	}
	for name := range samplegen.Formats(samplegen.Sample{Name: samplegen.FormatSample}) {
		if !slices.Contains(seen, name) {
			t.Errorf("%s missing from testdata/formats (run make samples)", name)
		}
	}
}
