// Package transcript reads call transcripts into time-stamped utterances of
// the agent and the customer.
package transcript

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/callqa/callqa/pipeline/timeline"
)

// Speaker roles.
const (
	Agent    = "agent"
	Customer = "customer"
)

// MaxSize caps a transcript file: a day-long call is well under 1 MB of text.
const MaxSize = 32 << 20

// Segment is one utterance, with times in seconds from the start of the
// recording.
type Segment struct {
	Speaker    string
	Start, End float64
	Text       string
}

// Transcript is what was said in one call.
type Transcript struct {
	CallID   string
	Segments []Segment
	// Warnings describe input that was repaired rather than rejected.
	Warnings []string
}

// ReadFile reads a transcript file.
func ReadFile(path string) (*Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("transcript larger than %d MB", MaxSize>>20)
	}
	return Parse(data)
}

// canonical is the JSON shape of DESIGN.md; fields callqa does not use are
// allowed, since ASR exports carry extras.
type canonical struct {
	CallID   string `json:"call_id"`
	Segments []struct {
		Speaker *string  `json:"speaker"`
		Start   *float64 `json:"start"`
		End     *float64 `json:"end"`
		Text    *string  `json:"text"`
	} `json:"segments"`
}

// Parse reads a transcript in the canonical JSON form.
func Parse(data []byte) (*Transcript, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty transcript")
	}
	if !utf8.Valid(data) {
		return nil, errors.New("transcript is not valid UTF-8")
	}
	var c canonical
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, jsonError(data, err)
	}
	if c.Segments == nil {
		return nil, errors.New(`transcript has no "segments" array`)
	}
	t := &Transcript{CallID: c.CallID}
	for i, s := range c.Segments {
		at := func(field string) string { return fmt.Sprintf("segments[%d].%s", i, field) }
		if s.Speaker == nil {
			return nil, fmt.Errorf("%s: missing", at("speaker"))
		}
		speaker := strings.ToLower(strings.TrimSpace(*s.Speaker))
		if speaker != Agent && speaker != Customer {
			return nil, fmt.Errorf("%s: %q is not \"agent\" or \"customer\"", at("speaker"), *s.Speaker)
		}
		if s.Start == nil || s.End == nil {
			return nil, fmt.Errorf("%s: start and end times are required", at("start"))
		}
		start, end := *s.Start, *s.End
		if math.IsNaN(start) || math.IsNaN(end) || start < 0 || end < 0 {
			return nil, fmt.Errorf("%s: negative time (start %g, end %g)", at("start"), start, end)
		}
		if end < start {
			return nil, fmt.Errorf("%s: ends at %g before it starts at %g", at("end"), end, start)
		}
		if s.Text == nil {
			return nil, fmt.Errorf("%s: missing", at("text"))
		}
		text := *s.Text
		if strings.ContainsRune(text, 0) {
			text = strings.ReplaceAll(text, "\x00", "")
			t.Warnings = append(t.Warnings, fmt.Sprintf("%s: NUL bytes removed", at("text")))
		}
		if strings.TrimSpace(text) == "" {
			t.Warnings = append(t.Warnings, fmt.Sprintf("%s: empty text, segment skipped", at("text")))
			continue
		}
		t.Segments = append(t.Segments, Segment{Speaker: speaker, Start: start, End: end, Text: text})
	}
	if !slices.IsSortedFunc(t.Segments, bySegmentStart) {
		slices.SortStableFunc(t.Segments, bySegmentStart)
		t.Warnings = append(t.Warnings, "segments were not in time order: sorted by start time")
	}
	return t, nil
}

func bySegmentStart(a, b Segment) int { return cmp.Compare(a.Start, b.Start) }

// jsonError adds the line and column to a JSON syntax or type error.
func jsonError(data []byte, err error) error {
	var offset int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		offset = syn.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 || offset > int64(len(data)) {
		return fmt.Errorf("invalid transcript JSON: %w", err)
	}
	line := bytes.Count(data[:offset], []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(data[:offset], '\n')
	return fmt.Errorf("invalid transcript JSON at line %d, column %d: %w", line, col, err)
}

// Intervals returns the times at which speaker talks, merged where the
// speaker's segments overlap.
func (t *Transcript) Intervals(speaker string) []timeline.Interval {
	var out []timeline.Interval
	for _, s := range t.Segments {
		if s.Speaker == speaker {
			out = append(out, timeline.Interval{Start: s.Start, End: s.End})
		}
	}
	return timeline.Union(out)
}
