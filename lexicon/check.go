package lexicon

import (
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/callqa/callqa/internal/inputfile"
)

// FileError is a lexicon file that cannot be read: missing, unreadable,
// not a regular file or over MaxSize. The CLI names the flag that gave it.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string {
	err := e.Err
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		err = pe.Err // the path is said once, first
	}
	if errors.Is(err, fs.ErrNotExist) {
		return e.Path + ": no such file"
	}
	return e.Path + ": " + err.Error()
}

func (e *FileError) Unwrap() error { return e.Err }

// readFile reads a lexicon file of at most MaxSize bytes, only a regular
// one, opened without blocking (inputfile): a FIFO is an error, not a hang,
// and /dev/zero is not read without end.
func readFile(path string) ([]byte, error) {
	data, err := inputfile.Read(path, MaxSize)
	if err != nil {
		return nil, &FileError{path, err}
	}
	return data, nil
}

// day bounds the settings and rule fields in seconds: no call is longer.
const day = 86400

// inRange reports whether v is a finite number from lo to hi.
func inRange(v, lo, hi float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= lo && v <= hi
}

// settingRange is what one setting may be: from Min to Max, Min itself
// excluded when Above (a window or a margin of 0 would never hold).
type settingRange struct {
	key      string
	get      func(Settings) float64
	min, max float64
	above    bool
}

// settingRanges cover every setting (docs/lexicon.md, "Settings").
var settingRanges = []settingRange{
	{"pass_mark", func(s Settings) float64 { return s.PassMark }, 0, 100, false},
	{"greeting_window_s", func(s Settings) float64 { return s.GreetingWindowS }, 0, day, true},
	{"closing_window_s", func(s Settings) float64 { return s.ClosingWindowS }, 0, day, true},
	{"greeting_window_turns", func(s Settings) float64 { return float64(s.GreetingWindowTurns) }, 1, 1000, false},
	{"closing_window_turns", func(s Settings) float64 { return float64(s.ClosingWindowTurns) }, 1, 1000, false},
	{"dead_air_min_s", func(s Settings) float64 { return s.DeadAirMinS }, 0, day, true},
	{"overtalk_min_s", func(s Settings) float64 { return s.OvertalkMinS }, 0, day, false},
	{"backchannel_max_s", func(s Settings) float64 { return s.BackchannelMaxS }, 0, day, false},
	{"vad_on_margin_db", func(s Settings) float64 { return s.VADOnMarginDB }, 0, 60, true},
	{"vad_off_margin_db", func(s Settings) float64 { return s.VADOffMarginDB }, 0, 60, true},
	{"vad_min_speech_s", func(s Settings) float64 { return s.VADMinSpeechS }, 0, 10, false},
	{"vad_min_silence_s", func(s Settings) float64 { return s.VADMinSilenceS }, 0, 10, false},
	{"clipping_warn_ratio", func(s Settings) float64 { return s.ClippingWarnRatio }, 0, 1, false},
	{"dc_offset_warn", func(s Settings) float64 { return s.DCOffsetWarn }, 0, 1, false},
}

// settingProblem is a setting out of its range.
type settingProblem struct{ key, msg string }

// settingProblems lists the settings that are not finite numbers in their
// range, in the order of settingRanges.
func settingProblems(s Settings) []settingProblem {
	var out []settingProblem
	for _, r := range settingRanges {
		v := r.get(s)
		lo := "at least"
		if r.above {
			lo = "more than"
		}
		if !inRange(v, r.min, r.max) || r.above && v == r.min {
			out = append(out, settingProblem{r.key, fmt.Sprintf("%g is out of range (%s %g and at most %g)", v, lo, r.min, r.max)})
		}
	}
	if s.VADOffMarginDB > s.VADOnMarginDB {
		out = append(out, settingProblem{"vad_off_margin_db", fmt.Sprintf("%g is above vad_on_margin_db %g: activity would end before it starts", s.VADOffMarginDB, s.VADOnMarginDB)})
	}
	return out
}

// lineError is an error of a value in the file that the decoder reports
// with the others, each on its line (a plain error would stop it at the
// first).
func lineError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// yamlFields lists a struct's fields by their YAML names, in order.
func yamlFields(t reflect.Type) ([]string, map[string]reflect.Type) {
	var names []string
	types := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
		types[name] = f.Type
	}
	return names, types
}

// checkFields reports the keys of the file that name no field, each with
// its place (`rule 3 ("id"): severty`) and the nearest field's name: what
// the decoder's own check says is only "field severty not found in type
// lexicon.Rule".
func checkFields(name string, doc *yaml.Node, at lines) []error {
	var errs []error
	type fields struct {
		names []string
		types map[string]reflect.Type
	}
	known := map[reflect.Type]fields{} // each struct's, found once for all its rules
	var walk func(n *yaml.Node, t reflect.Type, path []string)
	walk = func(n *yaml.Node, t reflect.Type, path []string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if reflect.PointerTo(t).Implements(unmarshalerType) {
			return // it checks its own fields
		}
		switch {
		case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
			f, ok := known[t]
			if !ok {
				f.names, f.types = yamlFields(t)
				known[t] = f
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Tag == "!!merge" {
					continue // <<: *anchor, checked where the anchor stands
				}
				ft, ok := f.types[k.Value]
				if !ok {
					msg := "unknown field"
					if near := nearest(k.Value, slices.Values(f.names)); near != "" {
						msg += fmt.Sprintf("; did you mean %s?", near)
					}
					errs = append(errs, fmt.Errorf("%s: %s: %s", pos(name, k.Line), at.label(append(path, k.Value)), msg))
					continue
				}
				walk(n.Content[i+1], ft, append(path[:len(path):len(path)], k.Value))
			}
		case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
			for i, e := range n.Content {
				p := path
				if len(path) == 1 && path[0] == "rules" {
					p = []string{"rules", strconv.Itoa(i)}
				}
				walk(e, t.Elem(), p)
			}
		case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
			for i := 1; i < len(n.Content); i += 2 {
				walk(n.Content[i], t.Elem(), path)
			}
		}
	}
	walk(doc, reflect.TypeFor[Lexicon](), nil)
	return errs
}

// label names a place in the file: ["rules", "2", "when", "phrase"] is
// `rule 3 ("id"): when.phrase`, ["settings", "dead_air"] is
// "settings.dead_air".
func (ls lines) label(path []string) string {
	if len(path) >= 2 && path[0] == "rules" {
		i, _ := strconv.Atoi(path[1])
		s := ls.rule(i)
		if len(path) > 2 {
			s += ": " + strings.Join(path[2:], ".")
		}
		return s
	}
	return strings.Join(path, ".")
}

// rule names rule i: `rule 3 ("id")`.
func (ls lines) rule(i int) string {
	id := ""
	if i < len(ls.rules) {
		id = ls.rules[i].id
	}
	return fmt.Sprintf("rule %d (%q)", i+1, id)
}

// where names the place of a line: `rule 3 ("id"): penalty` in a rule,
// else the top-level key (the setting, under settings). A field is named
// only when it alone starts on the line.
func (ls lines) where(line int) []string {
	section, start := "", 0
	for k, l := range ls.top {
		if l <= line && (l > start || l == start && k < section) {
			section, start = k, l
		}
	}
	field := func(fields map[string]int) string {
		found := ""
		for k, l := range fields {
			if l == line {
				if found != "" {
					return ""
				}
				found = k
			}
		}
		return found
	}
	switch section {
	case "rules":
		i := sort.Search(len(ls.rules), func(j int) bool { return ls.rules[j].line > line }) - 1 // in line order
		if i < 0 {
			break
		}
		if f := field(ls.rules[i].fields); f != "" {
			return []string{"rules", strconv.Itoa(i), f}
		}
		return []string{"rules", strconv.Itoa(i)}
	case "settings":
		if f := field(ls.settings); f != "" {
			return []string{"settings", f}
		}
	}
	if section == "" {
		return nil
	}
	return []string{section}
}

// decodeLine is a decoder message: "line 7: cannot unmarshal ...".
var decodeLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// cannotUnmarshal is the decoder's message for a value of the wrong type.
var cannotUnmarshal = regexp.MustCompile("^cannot unmarshal !!(\\w+) (?:`(.*)` )?into (\\S+)$")

// decodeErrors puts the decoder's errors in the form of the others:
// `file:7: rule 1 ("id"): penalty: want a number, not "abc"`.
func decodeErrors(name string, err error, at lines) []error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []error{fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	var errs []error
	for _, e := range te.Errors {
		m := decodeLine.FindStringSubmatch(e)
		if m == nil {
			errs = append(errs, fmt.Errorf("%s: %s", name, e))
			continue
		}
		line, _ := strconv.Atoi(m[1])
		msg := m[2]
		if c := cannotUnmarshal.FindStringSubmatch(msg); c != nil {
			got := map[string]string{"seq": "a list", "map": "a mapping", "str": fmt.Sprintf("%q", c[2])}[c[1]]
			if got == "" {
				got = c[2]
			}
			msg = fmt.Sprintf("want %s, not %s", goTypeName(c[3]), got)
		}
		path := at.where(line)
		if n := len(path); n > 0 && (strings.HasPrefix(msg, path[n-1]+":") || strings.HasPrefix(msg, path[n-1]+".")) {
			path = path[:n-1] // the message names the field
		}
		place := at.label(path)
		if place != "" {
			place += ": "
		}
		errs = append(errs, fmt.Errorf("%s: %s%s", pos(name, line), place, msg))
	}
	return errs
}

// goTypeName says what a Go type is in a YAML file.
func goTypeName(t string) string {
	t = strings.TrimLeft(t, "*")
	switch {
	case t == "float64":
		return "a number"
	case t == "int":
		return "a whole number"
	case t == "string":
		return "text"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping"
}

// syntaxError names the line where the YAML goes wrong. The decoder names
// a line of the block around the mistake (counted from 0), not the
// mistake: an indentation error in rule 40 reads "line 2". The
// mistake is on the last line of the shortest start of the file that fails
// the same way, found with a few parses (a gallop, then a bisection). Each
// parse reads up to the whole file, so a file over maxSearched bytes keeps
// the decoder's line, marked as the block's.
func syntaxError(name string, data []byte, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	m := decodeLine.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("%s: %s", name, msg)
	}
	if len(data) > maxSearched {
		line, _ := strconv.Atoi(m[1])
		return fmt.Errorf("%s: in the block that starts there: %s", pos(name, line+1), m[2])
	}
	reported, _ := strconv.Atoi(m[1])
	starts := []int{0} // where each line starts
	for i, b := range data {
		if b == '\n' && i+1 < len(data) {
			starts = append(starts, i+1)
		}
	}
	total := len(starts)
	fails := func(n int) bool { // the first n lines fail as the file does
		if n >= total {
			return true
		}
		var node yaml.Node
		e := yaml.Unmarshal(data[:starts[n]], &node)
		return e != nil && e.Error() == err.Error()
	}
	lo, hi := max(reported-1, 0), min(max(reported, 1), total) // !fails(lo) is assumed
	for step := 1; !fails(hi); step *= 2 {
		lo, hi = hi, min(hi+step, total)
	}
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; fails(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	text := m[2]
	for _, indent := range []string{"did not find expected key", "did not find expected '-' indicator", "mapping values are not allowed"} {
		if strings.HasPrefix(text, indent) {
			text += " (check the indentation)"
		}
	}
	return fmt.Errorf("%s: %s", pos(name, hi), text)
}

// maxSearched bounds the files whose syntax errors are found to the line:
// the search costs some 40 parses, 5 s or so at 4 MB.
const maxSearched = 4 << 20

// nearest is the candidate most like s, for a did-you-mean: within about a
// third of its length in edits, or one that starts with the other; "" when
// none is.
func nearest(s string, candidates iter.Seq[string]) string {
	best, bestD := "", math.MaxInt
	limit := max(1, utf8.RuneCountInString(s)/3)
	for c := range candidates {
		d := editDistance(s, c)
		prefix := len(c) >= 3 && len(s) >= 3 && (strings.HasPrefix(c, s) || strings.HasPrefix(s, c))
		if (d <= limit || prefix) && d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b in characters.
func editDistance(a, b string) int {
	if a == b {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	prev, cur := make([]int, len(rb)+1), make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range ra {
		cur[0] = i + 1
		for j := range rb {
			cost := 1
			if ra[i] == rb[j] {
				cost = 0
			}
			cur[j+1] = min(prev[j+1]+1, cur[j]+1, prev[j]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
