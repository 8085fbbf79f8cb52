package transcript

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cueTime matches "00:01:02,500 --> 00:01:04,000" (SRT) and
// "01:02.500 --> 01:04.000 align:start" (WebVTT: hours optional, dot).
var cueTime = regexp.MustCompile(`^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})`)

// looksTimed matches a line meant as a cue's times that cueTime refuses:
// "00:00:05,000 -> 00:00:06,000", "-00:00:01,000 --> ...", "0:0:5,0 --> ...",
// "00:00:0x,000 --> ...".
var looksTimed = regexp.MustCompile(`^\s*[-+]?\d[\w:.,]*\s*-+>`)

// voiceTag matches a WebVTT voice span <v Name> (or <v.loud Name>).
var voiceTag = regexp.MustCompile(`^<v(?:\.[^\s>]+)?\s+([^>]+)>`)

// markup matches the remaining cue tags: <i>, </v>, <00:01.000>, {\an8}.
var markup = regexp.MustCompile(`<[^>]*>|\{\\[^}]*\}`)

// parseSubtitles reads SRT or WebVTT cues. The speaker is a WebVTT voice
// tag (<v 坐席>) or a role prefix in the text (坐席：…). When no cue names a
// speaker, all are Unknown.
func parseSubtitles(text string, vtt bool, opts Options) (*Transcript, error) {
	r := newRoles(opts)
	t := &Transcript{Format: "srt", Timed: true}
	if vtt {
		t.Format = "webvtt"
	}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	named := 0
	var missing []int // lines of cues without a speaker
	for i := 0; i < len(lines); i++ {
		m := cueTime.FindStringSubmatch(lines[i])
		if m == nil {
			if looksTimed.MatchString(lines[i]) {
				// Skipping it would drop the cue's words without a trace.
				return nil, fmt.Errorf("line %d: bad cue time %q (expected 00:00:01,000 --> 00:00:03,500)", i+1, strings.TrimSpace(lines[i]))
			}
			continue
		}
		timeLine := i + 1
		start, err1 := parseClock(m[1])
		end, err2 := parseClock(m[2])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("line %d: bad cue time %q", timeLine, strings.TrimSpace(lines[i]))
		}
		if err := checkTimes(start, end, fmt.Sprintf("line %d", timeLine)); err != nil {
			return nil, err
		}
		var body []string
		for i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
			i++
			body = append(body, strings.TrimSpace(lines[i]))
		}
		cue := strings.Join(body, "")
		speaker := ""
		if v := voiceTag.FindStringSubmatch(cue); v != nil {
			if sp, ok := r.of[strings.ToLower(strings.TrimSpace(v[1]))]; ok {
				speaker = sp
			} else {
				return nil, fmt.Errorf("line %d: voice %q is not a known role (see --agent-roles)", timeLine+1, v[1])
			}
		}
		cue = strings.TrimSpace(markup.ReplaceAllString(cue, ""))
		if speaker == "" {
			if sp, rest, ok := r.prefix(cue); ok {
				speaker, cue = sp, rest
			}
		}
		if speaker == "" {
			missing = append(missing, timeLine)
			speaker = Unknown
		} else {
			named++
		}
		t.Segments = append(t.Segments, Segment{Speaker: speaker, Start: start, End: end, Text: cue})
	}
	if len(t.Segments) == 0 {
		return nil, fmt.Errorf("no cues (a cue has a line like 00:00:01,000 --> 00:00:03,500)")
	}
	if named > 0 && len(missing) > 0 {
		return nil, fmt.Errorf("line %d: cue has no speaker while others do: expected <v 坐席> or a role prefix such as 坐席：", missing[0])
	}
	return t, nil
}

// parseClock reads [hh:]mm:ss(,|.)fff as seconds.
func parseClock(s string) (float64, error) {
	s = strings.Replace(s, ",", ".", 1)
	parts := strings.Split(s, ":")
	total := 0.0
	for _, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return 0, err
		}
		total = total*60 + v
	}
	return total, nil
}
