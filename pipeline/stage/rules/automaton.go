package rules

import (
	"slices"
	"unicode/utf8"
)

// automaton finds every occurrence of many phrases in one pass over a text
// (Aho-Corasick over runes). Each state keeps its transitions as a sorted
// list, so memory grows with the phrases' characters, not with an alphabet
// table per state. It is read-only once built and safe for concurrent use.
type automaton struct {
	states []acState
	root   map[rune]int32 // the root's transitions: every first character
	// lens[p] is the length in bytes of phrase p.
	lens []int
}

type acState struct {
	keys   []rune  // sorted
	next   []int32 // next[i] is the state on keys[i]
	fail   int32   // the longest proper suffix that is a state
	out    int32   // the phrase that ends here, or -1
	output int32   // the nearest state on the fail chain with a phrase, or -1
}

// acMatch is an occurrence of phrase pattern at byte offset pos.
type acMatch struct{ pattern, pos int }

func newAutomaton(phrases []string) *automaton {
	a := &automaton{states: make([]acState, 1, 1+trieSize(phrases)), root: map[rune]int32{}, lens: make([]int, len(phrases))}
	a.states[0] = acState{out: -1, output: -1}
	for p, phrase := range phrases {
		a.lens[p] = len(phrase)
		s := int32(0)
		for _, r := range phrase {
			t, ok := a.step(s, r)
			if !ok {
				t = int32(len(a.states))
				a.states = append(a.states, acState{out: -1, output: -1})
				a.addEdge(s, r, t)
			}
			s = t
		}
		if s != 0 && a.states[s].out < 0 {
			a.states[s].out = int32(p)
		}
	}
	// Fail and output links, breadth first from the root.
	queue := make([]int32, 0, len(a.states))
	for _, t := range a.root {
		queue = append(queue, t)
	}
	slices.Sort(queue)
	for head := 0; head < len(queue); head++ {
		s := queue[head]
		st := &a.states[s]
		for i, r := range st.keys {
			t := st.next[i]
			f := st.fail
			for {
				if g, ok := a.step(f, r); ok && g != t {
					a.states[t].fail = g
					break
				}
				if f == 0 {
					a.states[t].fail = 0
					break
				}
				f = a.states[f].fail
			}
			fs := a.states[a.states[t].fail]
			if fs.out >= 0 {
				a.states[t].output = a.states[t].fail
			} else {
				a.states[t].output = fs.output
			}
			queue = append(queue, t)
		}
	}
	return a
}

// trieSize is the number of states the phrases' trie has besides the root:
// one per distinct prefix. Sorted, each phrase adds the characters it does
// not share with the one before. Reserving exactly that many (a third of
// one per character) saves clearing and faulting in tens of megabytes.
func trieSize(phrases []string) int {
	sorted := slices.Sorted(slices.Values(phrases))
	n, prev := 0, ""
	for _, p := range sorted {
		common := 0
		for common < len(p) && common < len(prev) && p[common] == prev[common] {
			common++
		}
		for common > 0 && common < len(p) && !utf8.RuneStart(p[common]) {
			common-- // back to the start of a character both share whole
		}
		n += utf8.RuneCountInString(p[common:])
		prev = p
	}
	return n
}

// addEdge adds the transition s --r--> t (r not yet a key of s).
func (a *automaton) addEdge(s int32, r rune, t int32) {
	if s == 0 {
		a.root[r] = t // the root has an edge for every first character: a map
		return
	}
	st := &a.states[s]
	i, _ := slices.BinarySearch(st.keys, r)
	st.keys = slices.Insert(st.keys, i, r)
	st.next = slices.Insert(st.next, i, t)
}

// step is the transition of s on r, if there is one.
func (a *automaton) step(s int32, r rune) (int32, bool) {
	if s == 0 {
		t, ok := a.root[r]
		return t, ok
	}
	st := &a.states[s]
	if i, ok := slices.BinarySearch(st.keys, r); ok {
		return st.next[i], true
	}
	return 0, false
}

// match returns every occurrence of every phrase in text, by end.
func (a *automaton) match(text string) []acMatch {
	var out []acMatch
	s := int32(0)
	for i, r := range text {
		for {
			if t, ok := a.step(s, r); ok {
				s = t
				break
			}
			if s == 0 {
				break
			}
			s = a.states[s].fail
		}
		end := i + utf8.RuneLen(r)
		if r == utf8.RuneError {
			end = i + 1
		}
		for o := s; o > 0; o = a.states[o].output {
			if p := a.states[o].out; p >= 0 {
				out = append(out, acMatch{int(p), end - a.lens[p]})
			}
			if a.states[o].output < 0 {
				break
			}
		}
	}
	return out
}
