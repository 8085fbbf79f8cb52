package view

import (
	"reflect"
	"testing"
)

// TestWarningKinds: warnings that differ only in their numbers are one
// kind; a call counts once per kind however often it has it; the kinds
// most calls share come first.
func TestWarningKinds(t *testing.T) {
	got := WarningKinds([]string{"a", "b", "c"}, [][]string{
		{"transcript: segment 3: NUL characters removed", "transcript: segment 12: NUL characters removed"},
		{"left channel is clipped: 2.50% of samples at full scale", "transcript: segment 1: NUL characters removed"},
		{"needs review: the recording lasts 0.1 s but the transcript runs to 30.0 s: the audio figures cover part of the call"},
	})
	want := []WarningKind{
		{Kind: "transcript: segment #: NUL characters removed", Calls: []string{"a", "b"}},
		{Kind: "left channel is clipped: #% of samples at full scale", Calls: []string{"b"}},
		{Kind: "needs review: the recording lasts # s but the transcript runs to # s: the audio figures cover part of the call", Calls: []string{"c"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WarningKinds =\n%q\nwant\n%q", got, want)
	}
	if got := WarningKinds(nil, nil); len(got) != 0 {
		t.Errorf("no calls: %q", got)
	}
}
