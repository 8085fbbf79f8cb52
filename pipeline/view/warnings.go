package view

import (
	"cmp"
	"regexp"
	"slices"
)

// WarningKind is one kind of warning in a batch and the calls that have it.
type WarningKind struct {
	// Kind is the warning with its numbers replaced by #, so that "segment
	// 3: NUL characters removed" and "segment 9: …" count as one kind.
	Kind  string
	Calls []string // call ids, in batch order, each once
}

var numeral = regexp.MustCompile(`[-+−]?[0-9]+(?:[.,][0-9]+)*`)

// KindOf is the kind of a warning: its text with every number as #.
func KindOf(warning string) string { return numeral.ReplaceAllString(warning, "#") }

// WarningKinds counts a batch's warnings by kind: each call's warnings
// (warnings[i] are the warnings of calls[i]), most calls first, then by
// kind.
func WarningKinds(calls []string, warnings [][]string) []WarningKind {
	at := map[string]int{}
	var kinds []WarningKind
	for i, id := range calls {
		for _, w := range warnings[i] {
			k := KindOf(w)
			j, ok := at[k]
			if !ok {
				j = len(kinds)
				at[k] = j
				kinds = append(kinds, WarningKind{Kind: k})
			}
			if n := len(kinds[j].Calls); n == 0 || kinds[j].Calls[n-1] != id {
				kinds[j].Calls = append(kinds[j].Calls, id)
			}
		}
	}
	slices.SortStableFunc(kinds, func(a, b WarningKind) int {
		return cmp.Or(cmp.Compare(len(b.Calls), len(a.Calls)), cmp.Compare(a.Kind, b.Kind))
	})
	return kinds
}
