package source

import (
	"fmt"
	"strings"
)

// Channel is the stereo channel that carries the agent; the customer is on
// the other. ASR output that numbers channels or speakers follows it too.
// The zero value, Unset, defers to the run's setting.
type Channel int8

// Channels.
const (
	Unset Channel = iota
	Left
	Right
)

// ParseChannel reads "left" or "right" (any case, spaces around ignored);
// "" is Unset.
func ParseChannel(s string) (Channel, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return Unset, nil
	case "left":
		return Left, nil
	case "right":
		return Right, nil
	}
	return Unset, fmt.Errorf("agent channel %q is not left or right", s)
}

// Index is the channel's number in a stereo recording: 0 (left, also
// Unset) or 1 (right).
func (c Channel) Index() int {
	if c == Right {
		return 1
	}
	return 0
}

// Or is c, or fallback when c is Unset.
func (c Channel) Or(fallback Channel) Channel {
	if c == Unset {
		return fallback
	}
	return c
}

func (c Channel) String() string {
	switch c {
	case Left:
		return "left"
	case Right:
		return "right"
	}
	return ""
}
