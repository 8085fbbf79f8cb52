// Package transcript reads call transcripts — canonical JSON, role-prefixed
// plain text, SRT, WebVTT and the JSON of common ASR services, in UTF-8,
// UTF-16 or GB18030 — into utterances of the agent and the customer.
package transcript

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/callqa/callqa/internal/inputfile"
	"github.com/callqa/callqa/pipeline/timeline"
)

// Speaker roles.
const (
	Agent    = "agent"
	Customer = "customer"
	// Unknown is the speaker of a transcript that names none (Whisper
	// without diarization): only rules for "any" speaker apply to it.
	Unknown = "unknown"
)

// MaxSize caps a transcript file: a day-long call is well under 1 MB of text.
const MaxSize = 32 << 20

// Segment is one utterance. Start and End are seconds from the start of the
// recording when the transcript is timed, 0 otherwise.
type Segment struct {
	Speaker    string
	Start, End float64
	Text       string
}

// Transcript is what was said in one call.
type Transcript struct {
	CallID string
	// Format and Encoding say how the file was read ("srt", "gb18030", ...).
	Format, Encoding string
	Segments         []Segment
	// Timed is false for formats without times (plain text): windows are
	// then counted in turns.
	Timed bool
	// Warnings describe input that was repaired rather than rejected.
	Warnings []string
}

// Options tell how speakers are named.
type Options struct {
	// AgentChannel is the channel (or speaker index) of the agent in ASR
	// output that labels channels or speakers by number: 0 or 1.
	AgentChannel int
	// AgentRoles and CustomerRoles are the role words of plain-text and
	// subtitle transcripts (坐席：…); matched without regard to case.
	// Empty: DefaultAgentRoles and DefaultCustomerRoles.
	AgentRoles, CustomerRoles []string
}

// Default role words, Simplified and Traditional.
var (
	DefaultAgentRoles    = []string{"坐席", "座席", "客服", "客服代表", "话务员", "話務員", "agent", "csr"}
	DefaultCustomerRoles = []string{"客户", "客戶", "顾客", "顧客", "用户", "用戶", "来电人", "來電人", "customer", "caller"}
)

// ReadFile reads a transcript file: a regular file (a FIFO would block)
// of at most MaxSize bytes.
func ReadFile(path string, opts Options) (*Transcript, error) {
	data, err := inputfile.Read(path, MaxSize)
	if err != nil {
		return nil, err
	}
	return Parse(data, opts)
}

// Parse reads a transcript, detecting its encoding and its format from the
// content.
func Parse(data []byte, opts Options) (*Transcript, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty transcript")
	}
	text, enc, warnings := decodeText(data)
	if strings.TrimFunc(text, blank) == "" {
		return nil, errors.New("empty transcript (nothing but spaces and control characters)")
	}
	format := detectFormat(text)
	var t *Transcript
	var err error
	switch format {
	case "json":
		t, err = parseJSON(text, opts)
	case "webvtt":
		t, err = parseSubtitles(text, true, opts)
	case "srt":
		t, err = parseSubtitles(text, false, opts)
	default:
		t, err = parsePlain(text, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("%s transcript: %w", format, err)
	}
	t.Encoding = enc
	t.Warnings = append(warnings, t.Warnings...)
	t.clean()
	return t, nil
}

// detectFormat tells the format from the first characters.
func detectFormat(text string) string {
	s := strings.TrimLeft(text, " \t\r\n")
	switch {
	case strings.HasPrefix(s, "{"):
		return "json"
	case strings.HasPrefix(s, "["):
		// A JSON array of results, or a plain-text line "[坐席] ...".
		if rest := strings.TrimLeft(s[1:], " \t\r\n"); strings.HasPrefix(rest, "{") || strings.HasPrefix(rest, "]") {
			return "json"
		}
	case strings.HasPrefix(s, "WEBVTT"):
		return "webvtt"
	}
	lines := strings.SplitN(s, "\n", 3)
	if len(lines) >= 2 && isDigits(strings.TrimSpace(lines[0])) && strings.Contains(lines[1], "-->") {
		return "srt"
	}
	return "text"
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// clean repairs what can be repaired, with a warning each: control
// characters (NUL and the like), empty utterances, segments out of time
// order. It warns about what it cannot repair: no utterances at all, a
// speaker overlapping themself, a silence longer than the rest of the call.
func (t *Transcript) clean() {
	kept := make([]Segment, 0, len(t.Segments)) // not in place: a split segment adds some
	for i, s := range t.Segments {
		if strings.ContainsFunc(s.Text, isControl) {
			s.Text = strings.Map(func(r rune) rune {
				if isControl(r) {
					return -1
				}
				return r
			}, s.Text)
			t.Warnings = append(t.Warnings, fmt.Sprintf("segment %d: NUL or other control characters removed", i))
		}
		if strings.TrimFunc(s.Text, blank) == "" {
			t.Warnings = append(t.Warnings, fmt.Sprintf("segment %d: empty text, skipped", i))
			continue
		}
		if n := utf8.RuneCountInString(s.Text); n > MaxSegmentRunes {
			pieces := splitLong(s)
			t.Warnings = append(t.Warnings, fmt.Sprintf("segment %d: %d characters, more than anyone says in one turn: split into %d segments of at most %d",
				i, n, len(pieces), MaxSegmentRunes))
			kept = append(kept, pieces...)
			continue
		}
		kept = append(kept, s)
	}
	t.Segments = kept
	if len(t.Segments) == 0 {
		t.Warnings = append(t.Warnings, "no utterances: the transcript is empty, so no rule on what was said could be checked")
		return
	}
	if t.Timed && !slices.IsSortedFunc(t.Segments, bySegmentStart) {
		slices.SortStableFunc(t.Segments, bySegmentStart)
		t.Warnings = append(t.Warnings, "segments were not in time order: sorted by start time")
	}
	if n := t.count(Unknown); n > 0 {
		t.Warnings = append(t.Warnings, fmt.Sprintf("%d segments name no speaker: rules for the agent or the customer do not apply to them", n))
	}
	if t.Timed {
		t.Warnings = append(t.Warnings, t.checkOverlaps()...)
		t.Warnings = append(t.Warnings, t.checkGaps()...)
	}
}

// MaxSegmentRunes bounds a segment's text, and so the memory and time each
// stage spends on one utterance: 4,000 characters are a quarter of an hour
// of speech without a pause for the other party. A transcript whose
// lines run longer (an ASR that put a whole call into one segment, a file
// that is not a transcript) has them split.
const MaxSegmentRunes = 4000

// splitLong cuts a segment of more than MaxSegmentRunes characters into
// pieces of at most that many, each ending at the last sentence end in its
// final fifth when there is one, else at the last pause (a comma, a
// space), else where the limit falls. A timed segment's time is shared
// out by characters.
func splitLong(s Segment) []Segment {
	runes := []rune(s.Text)
	var out []Segment
	for start := 0; start < len(runes); {
		end := min(start+MaxSegmentRunes, len(runes))
		if end < len(runes) {
			end = start + cutPoint(runes[start:end])
		}
		piece := Segment{Speaker: s.Speaker, Start: s.Start, End: s.End, Text: string(runes[start:end])}
		if share := (s.End - s.Start) / float64(len(runes)); share > 0 {
			piece.Start = s.Start + share*float64(start)
			if end < len(runes) { // the last piece ends exactly where the segment did
				piece.End = s.Start + share*float64(end)
			}
		}
		out = append(out, piece)
		start = end
	}
	return out
}

// cutPoint is where a piece of text cut at the length limit should end:
// just after its last sentence end, or failing that its last pause, in
// its final fifth; else at its end.
func cutPoint(piece []rune) int {
	floor := len(piece) * 4 / 5
	for _, ends := range []string{"。！？!?；;\n", "，,、 \t"} {
		for i := len(piece) - 1; i >= floor; i-- {
			if strings.ContainsRune(ends, piece[i]) {
				return i + 1
			}
		}
	}
	return len(piece)
}

// isControl reports a control character other than the tab and line
// ends, which are spaces in text.
func isControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}

// blank reports a character that says nothing: a space, a control or a
// format character (a zero-width space, a byte-order mark).
func blank(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// selfOverlapS is how much one speaker's segments may overlap before it
// is worth a warning: ASR word boundaries overlap by a few milliseconds.
const selfOverlapS = 0.1

// checkOverlaps warns when one speaker's segments overlap: that speaker's
// talk time counts the overlap once (Intervals merges them), so the times
// or the speaker labels are likely wrong.
func (t *Transcript) checkOverlaps() []string {
	var out []string
	for _, speaker := range []string{Agent, Customer, Unknown} {
		n, end := 0, math.Inf(-1)
		var first string
		for _, s := range t.Segments {
			if s.Speaker != speaker {
				continue
			}
			if over := min(end, s.End) - s.Start; over > selfOverlapS {
				if n == 0 {
					first = fmt.Sprintf("%.1f–%.1f s, while their speech lasts until %.1f s", s.Start, s.End, end)
				}
				n++
			}
			end = max(end, s.End)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d segments of the %s overlap the same speaker's earlier speech (the first: %s): talk time counts the overlap once", n, speaker, first))
		}
	}
	return out
}

// checkGaps warns about a silence longer than a minute and longer than
// all the rest of the transcript's span: one segment far from the others
// is likely a wrong time (milliseconds read as seconds, a date).
func (t *Transcript) checkGaps() []string {
	begin, end := t.Segments[0].Start, t.End()
	reach := begin
	for _, s := range t.Segments {
		if gap := s.Start - reach; gap > 60 && gap > (end-begin)-gap {
			return []string{fmt.Sprintf("nobody speaks for %.0f s before the segment at %.1f s, longer than all the rest of the call (%.0f s): check its times", gap, s.Start, (end-begin)-gap)}
		}
		reach = max(reach, s.End)
	}
	return nil
}

func (t *Transcript) count(speaker string) int {
	n := 0
	for _, s := range t.Segments {
		if s.Speaker == speaker {
			n++
		}
	}
	return n
}

func bySegmentStart(a, b Segment) int { return cmp.Compare(a.Start, b.Start) }

// MaxTime is the latest time, in seconds, a transcript may give: no call
// lasts a day, so a later time (1e12 s, 99999999 h) is a broken file, and
// the whole transcript is refused rather than half believed.
const MaxTime = 24 * 60 * 60

// checkTimes rejects times a recording cannot have; where says where they
// were found.
func checkTimes(start, end float64, where string) error {
	switch {
	case math.IsNaN(start) || math.IsNaN(end) || math.IsInf(start, 0) || math.IsInf(end, 0):
		return fmt.Errorf("%s: time is not a number", where)
	case start < 0 || end < 0:
		return fmt.Errorf("%s: negative time (start %g, end %g)", where, start, end)
	case end > MaxTime:
		return fmt.Errorf("%s: time %g s is beyond 24 hours, longer than any call (are the units right?)", where, end)
	case end < start:
		return fmt.Errorf("%s: ends at %g before it starts at %g", where, end, start)
	}
	return nil
}

// Intervals returns the times at which speaker talks, merged where the
// speaker's segments overlap; nil for an untimed transcript.
func (t *Transcript) Intervals(speaker string) []timeline.Interval {
	if !t.Timed {
		return nil
	}
	var out []timeline.Interval
	for _, s := range t.Segments {
		if s.Speaker == speaker {
			out = append(out, timeline.Interval{Start: s.Start, End: s.End})
		}
	}
	return timeline.Union(out)
}

// End is the end of the last utterance (0 when untimed).
func (t *Transcript) End() float64 {
	end := 0.0
	for _, s := range t.Segments {
		end = max(end, s.End)
	}
	return end
}

// roles maps role words to speakers.
type roles struct {
	words []string // lower-cased, longest first
	of    map[string]string
}

func newRoles(opts Options) roles {
	r := roles{of: map[string]string{}}
	agent, customer := opts.AgentRoles, opts.CustomerRoles
	if len(agent) == 0 {
		agent = DefaultAgentRoles
	}
	if len(customer) == 0 {
		customer = DefaultCustomerRoles
	}
	for _, w := range agent {
		r.of[strings.ToLower(w)] = Agent
	}
	for _, w := range customer {
		r.of[strings.ToLower(w)] = Customer
	}
	r.of[Agent], r.of[Customer] = Agent, Customer
	for w := range r.of {
		r.words = append(r.words, w)
	}
	slices.SortFunc(r.words, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), cmp.Compare(a, b)) })
	return r
}

// prefix splits "坐席：您好" (or "[坐席] 您好", "客服1086: 您好") into the
// speaker and the rest.
func (r roles) prefix(line string) (speaker, rest string, ok bool) {
	s := strings.TrimSpace(line)
	bracketed := strings.HasPrefix(s, "[") || strings.HasPrefix(s, "【")
	s = strings.TrimLeft(s, "[【")
	lower := strings.ToLower(s)
	for _, w := range r.words {
		if !strings.HasPrefix(lower, w) {
			continue
		}
		after := strings.TrimLeft(s[len(w):], "0123456789 \t#-_")
		for _, sep := range []string{":", "：", "]", "】"} {
			if strings.HasPrefix(after, sep) && (bracketed || sep == ":" || sep == "：") {
				return r.of[w], strings.TrimSpace(strings.TrimLeft(after[len(sep):], ":："+" ")), true
			}
		}
	}
	return "", line, false
}

// byIndex maps a channel or speaker number to a role: the agent's number is
// opts.AgentChannel, the other of 0 and 1 is the customer.
func byIndex(i int, opts Options, where string) (string, error) {
	switch i {
	case opts.AgentChannel:
		return Agent, nil
	case 1 - opts.AgentChannel:
		return Customer, nil
	}
	return "", fmt.Errorf("%s: speaker %d: callqa maps two speakers, 0 and 1 (agent on %d)", where, i, opts.AgentChannel)
}
