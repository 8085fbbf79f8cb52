package similar

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// magic is the first line of a model file; the number is the format's
// version.
const magic = "callqa-similar-model 1"

// Encode writes the model as text, one item a line, in a fixed order:
// the same model gives the same bytes.
//
//	callqa-similar-model 1
//	lexicon "default@0.7.0"
//	classes "none" "shirking" …
//	threshold "shirking" 0.8123
//	bias 1.2 -0.3 …
//	feature "^嗯$" 0.1 2.3 …
//	example "dismissive" "嗯" "你们又扣我钱了" "w4"
func (m *Model) Encode() []byte {
	var b bytes.Buffer
	b.WriteString(magic + "\n")
	fmt.Fprintf(&b, "lexicon %s\n", strconv.Quote(m.Lexicon))
	b.WriteString("classes")
	for _, c := range m.Classes {
		b.WriteString(" " + strconv.Quote(c))
	}
	b.WriteString("\n")
	for _, c := range m.Classes[1:] {
		if t, ok := m.Thresholds[c]; ok {
			fmt.Fprintf(&b, "threshold %s %s\n", strconv.Quote(c), strconv.FormatFloat(t, 'f', -1, 64))
		}
	}
	writeWeights := func(head string, ws []float32) {
		b.WriteString(head)
		for _, w := range ws {
			b.WriteString(" " + strconv.FormatFloat(float64(w), 'g', 4, 32))
		}
		b.WriteString("\n")
	}
	writeWeights("bias", m.bias)
	for _, f := range slices.Sorted(maps.Keys(m.weights)) {
		writeWeights("feature "+strconv.Quote(f), m.weights[f])
	}
	for _, e := range m.examples {
		fmt.Fprintf(&b, "example %s %s %s %s\n", strconv.Quote(e.Label), strconv.Quote(e.Text), strconv.Quote(e.Context), strconv.Quote(e.Source))
	}
	return b.Bytes()
}

// MaxSize is the most a model file may hold.
const MaxSize = 64 << 20

// Parse reads a model file; errors name the file and line.
func Parse(name string, data []byte) (*Model, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than the %d MB cap on model files", name, MaxSize>>20)
	}
	m := &Model{Thresholds: map[string]float64{}, weights: map[string][]float32{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, args...))
	}
	seen := map[string]bool{}
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			if text != magic {
				return nil, fail("not a callqa similarity model (the first line should be %q; build one with callqa lexicon train)", magic)
			}
			continue
		}
		key, rest, _ := strings.Cut(text, " ")
		if key != "feature" && key != "example" && key != "threshold" {
			if seen[key] {
				return nil, fail("%s given twice", key)
			}
			seen[key] = true
		}
		if key != "lexicon" && key != "classes" && len(m.Classes) == 0 {
			return nil, fail("%s before the lexicon and classes lines", key)
		}
		switch key {
		case "lexicon":
			v, err := quotedStrings(rest, 1)
			if err != nil {
				return nil, fail("lexicon: %v", err)
			}
			m.Lexicon = v[0]
		case "classes":
			v, err := quotedStrings(rest, -1)
			if err != nil || len(v) < 2 || v[0] != None {
				return nil, fail("classes: want %q and then the families, quoted", None)
			}
			m.Classes = v
		case "threshold":
			name, t, err := quotedThen(rest)
			switch {
			case err != nil:
				return nil, fail("threshold: %v", err)
			case !slices.Contains(m.Classes[1:], name):
				return nil, fail("threshold for %q, which is not among the classes", name)
			case len(t) != 1 || math.IsNaN(t[0]) || t[0] < 0 || t[0] > 1:
				return nil, fail("threshold for %q: want one number from 0 to 1", name)
			}
			m.Thresholds[name] = t[0]
		case "bias":
			ws, err := weights(rest, len(m.Classes))
			if err != nil {
				return nil, fail("bias: %v", err)
			}
			m.bias = ws
		case "feature":
			name, v, err := quotedThen(rest)
			if err != nil {
				return nil, fail("feature: %v", err)
			}
			ws, err := toWeights(v, len(m.Classes))
			if err != nil {
				return nil, fail("feature %q: %v", name, err)
			}
			if _, dup := m.weights[name]; dup {
				return nil, fail("feature %q given twice", name)
			}
			m.weights[name] = ws
		case "example":
			v, err := quotedStrings(rest, 4)
			if err != nil {
				return nil, fail("example: %v", err)
			}
			if !slices.Contains(m.Classes[1:], v[0]) {
				return nil, fail("example of %q, which is not among the families", v[0])
			}
			m.examples = append(m.examples, Example{Label: v[0], Text: v[1], Context: v[2], Source: v[3]})
		default:
			return nil, fail("unknown line %q", key)
		}
	}
	if err := sc.Err(); err != nil {
		line++
		return nil, fail("%v", err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%s: empty model file", name)
	}
	if m.bias == nil {
		return nil, fmt.Errorf("%s: no bias line: the file is cut short", name)
	}
	m.prepare()
	m.setHash(data)
	return m, nil
}

// quotedStrings reads n Go-quoted strings (n < 0: any number) separated by spaces.
func quotedStrings(s string, n int) ([]string, error) {
	var out []string
	for s = strings.TrimLeft(s, " "); s != ""; s = strings.TrimLeft(s, " ") {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, fmt.Errorf("want a quoted string at %q", clip(s))
		}
		v, _ := strconv.Unquote(q)
		out = append(out, v)
		s = s[len(q):]
	}
	if n >= 0 && len(out) != n {
		return nil, fmt.Errorf("want %d quoted strings, have %d", n, len(out))
	}
	return out, nil
}

// quotedThen reads a quoted string and the numbers after it.
func quotedThen(s string) (string, []float64, error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", nil, fmt.Errorf("want a quoted name at %q", clip(s))
	}
	name, _ := strconv.Unquote(q)
	var nums []float64
	for _, f := range strings.Fields(s[len(q):]) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return "", nil, fmt.Errorf("%q is not a number", clip(f))
		}
		nums = append(nums, x)
	}
	return name, nums, nil
}

func weights(s string, n int) ([]float32, error) {
	var nums []float64
	for _, f := range strings.Fields(s) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, fmt.Errorf("%q is not a number", clip(f))
		}
		nums = append(nums, x)
	}
	return toWeights(nums, n)
}

func toWeights(nums []float64, n int) ([]float32, error) {
	if len(nums) != n {
		return nil, fmt.Errorf("want %d weights (one a class), have %d", n, len(nums))
	}
	out := make([]float32, n)
	for i, x := range nums {
		if math.Abs(x) > 1e6 {
			return nil, fmt.Errorf("weight %g is out of range", x)
		}
		out[i] = float32(x)
	}
	return out, nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}
