package samplegen

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Lexicon is the YAML of a lexicon of n banned rules (two phrases of three
// to eight common characters each, so that some lie inside others, and a
// match example), an opening rule and a closing rule whose phrase holds
// the opening's, standing alone (extends: none): lint's scaling test.
func Lexicon(n int) string {
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	chars := []rune("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开")
	phrase := func() string {
		var b strings.Builder
		for range 3 + rng.IntN(6) {
			b.WriteRune(chars[rng.IntN(len(chars))])
		}
		return b.String()
	}
	var y strings.Builder
	y.WriteString("name: generated\nextends: none\nrules:\n")
	y.WriteString("  - {id: open, kind: required, window: opening, penalty: 1, phrases: [您好请问], examples: {match: [您好请问]}}\n")
	y.WriteString("  - {id: close, kind: required, window: closing, penalty: 1, phrases: [再见您好请问], examples: {match: [再见您好请问]}}\n")
	for i := range n {
		a, b := phrase(), phrase()
		fmt.Fprintf(&y, "  - {id: r%d, kind: banned, penalty: 1, phrases: [%s, %s], examples: {match: [%s]}}\n", i, a, b, a)
	}
	return y.String()
}
