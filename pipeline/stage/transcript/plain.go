package transcript

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
)

// parsePlain reads lines with a role prefix and no times:
//
//	坐席：您好，请问有什么可以帮您？
//	客户: 我想查一下话费
//
// A line without a prefix continues the utterance before it.
func parsePlain(text string, opts Options) (*Transcript, error) {
	r := newRoles(opts)
	t := &Transcript{Format: "text"}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), MaxSize)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		speaker, rest, ok := r.prefix(s)
		switch {
		case ok:
			t.Segments = append(t.Segments, Segment{Speaker: speaker, Text: rest})
		case len(t.Segments) > 0:
			last := &t.Segments[len(t.Segments)-1]
			last.Text += s
		default:
			// The line is not quoted: the file may be no transcript at all
			// (a manifest can name any file), and its first line a secret.
			return nil, fmt.Errorf("line %d has no speaker: a text transcript's first utterance starts with a role such as 坐席： or 客户： (see --agent-roles)", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(t.Segments) == 0 {
		return nil, errors.New("no utterances")
	}
	return t, nil
}
