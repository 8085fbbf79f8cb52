package lexicon

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadReadsOnlyRegularFiles: a device is not read without end, a FIFO
// does not block, a file over the cap is refused before it is parsed, and
// a missing file says so plainly.
func TestLoadReadsOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "team.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(f.Truncate(MaxSize+1), f.Close()); err != nil { // sparse
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{fifo, fifo + ": not a regular file (a named pipe)"},
		{"/dev/zero", "/dev/zero: not a regular file (a character device)"},
		{big, big + ": larger than 64 MB, the most callqa reads"},
		{filepath.Join(dir, "missing.yaml"), filepath.Join(dir, "missing.yaml") + ": no such file"},
		{dir, dir + ": a folder, not a file"},
	}
	for _, tt := range tests {
		if tt.path == "/dev/zero" {
			if _, err := os.Stat(tt.path); err != nil {
				continue
			}
		}
		_, err := Load(tt.path)
		var fe *FileError
		if !errors.As(err, &fe) || fe.Path != tt.path || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Load(%s): %v (%T), want a FileError %q", tt.path, err, err, tt.want)
		}
	}
}

const teamYAML = `name: team
version: "1"
%s
rules:
  - {id: team.slang, kind: banned, penalty: 5, phrases: [咋回事]}
`

// TestLoadExtends: a file says what it is layered on; one named first that
// says nothing replaces the default, with a note.
func TestLoadExtends(t *testing.T) {
	dir := t.TempDir()
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	extends := writeFile(t, dir, "extends.yaml", fmt.Sprintf(teamYAML, "extends: default"))
	alone := writeFile(t, dir, "alone.yaml", fmt.Sprintf(teamYAML, "extends: none"))
	silent := writeFile(t, dir, "silent.yaml", fmt.Sprintf(teamYAML, ""))
	tests := []struct {
		paths []string
		rules int
		note  string
	}{
		{[]string{extends}, len(def.Rules) + 1, ""},
		{[]string{"default", extends}, len(def.Rules) + 1, ""},
		{[]string{"default", silent}, len(def.Rules) + 1, ""},
		{[]string{alone}, 1, ""},
		{[]string{silent}, 1, silent + ` replaces the default lexicon, whose rules are all off: write "extends: default" in it`},
	}
	for _, tt := range tests {
		lex, err := Load(tt.paths...)
		if err != nil {
			t.Errorf("Load(%v): %v", tt.paths, err)
			continue
		}
		notes := strings.Join(lex.Notes, "\n")
		if len(lex.Rules) != tt.rules || tt.note == "" && notes != "" || !strings.Contains(notes, tt.note) {
			t.Errorf("Load(%v): %d rules, notes %q; want %d rules, a note like %q", tt.paths, len(lex.Rules), notes, tt.rules, tt.note)
		}
	}
	if _, err := Load(extends, "default"); err == nil || err.Error() != extends+":3: extends: default, but --lexicon default comes after it: name it first" {
		t.Errorf("default after a file that extends it: %v", err)
	}
	if _, err := Parse("f.yaml", []byte(fmt.Sprintf(teamYAML, "extends: base"))); err == nil || err.Error() != `f.yaml:3: extends: "base" is not one of default, none` {
		t.Errorf("unknown extends: %v", err)
	}
}

// TestDisableUnknownAlwaysAnError: a disable of an id that no earlier
// lexicon has is an error on every path, naming file:line, with the
// nearest id when there is one.
func TestDisableUnknownAlwaysAnError(t *testing.T) {
	dir := t.TempDir()
	file := func(name, head string) string { return writeFile(t, dir, name, fmt.Sprintf(teamYAML, head)) }
	first := file("first.yaml", "disable: [banned.over-promising]")
	typo := file("typo.yaml", "disable: [banned.overpromising]")
	typoExtends := file("typo-extends.yaml", "extends: default\ndisable:\n  - banned.abuse\n  - opening.greetng")
	own := file("own.yaml", "disable: [team.slang]")
	notLayered := `disable: no earlier rule %q; this file is not layered on another lexicon: write "extends: default" in it, or name --lexicon default before it`
	tests := []struct {
		paths []string
		want  string
	}{
		{[]string{first}, first + ":3: " + fmt.Sprintf(notLayered, "banned.over-promising")},
		{[]string{"default", typo}, typo + `:3: disable: no earlier rule "banned.overpromising"; did you mean "banned.over-promising"?`},
		{[]string{typoExtends}, typoExtends + `:6: disable: no earlier rule "opening.greetng"; did you mean "opening.greeting"?`},
		{[]string{"default", own}, own + `:3: disable: no earlier rule "team.slang"`}, // its own rules come after
	}
	for _, tt := range tests {
		if _, err := Load(tt.paths...); err == nil || err.Error() != tt.want {
			t.Errorf("Load(%v):\n %v\nwant\n %s", tt.paths, err, tt.want)
		}
	}
	alone, err := Parse("first.yaml", []byte(fmt.Sprintf(teamYAML, "disable: [x]")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Layer(alone); err == nil || err.Error() != "first.yaml:3: "+fmt.Sprintf(notLayered, "x") {
		t.Errorf("Layer of one lexicon with a disable: %v", err)
	}
	base, other := mustParse(t, fmt.Sprintf(teamYAML, "")), mustParse(t, fmt.Sprintf(teamYAML, "disable: [team.slangs]"))
	if _, err := Layer(base, other); err == nil || err.Error() != `x.yaml:3: disable: no earlier rule "team.slangs"; did you mean "team.slang"?` {
		t.Errorf("Layer: %v", err)
	}
	lex, err := Load("default", file("ok.yaml", "disable: [banned.abuse, banned.abuse-bare]"))
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(lex.Rules, func(r Rule) bool { return strings.HasPrefix(r.ID, "banned.abuse") }) {
		t.Error("disabled rules are still in force")
	}
}

// TestLayerLargeTeamFile: disabling and replacing 100,000 rules is linear;
// a quadratic layering would not finish in the test's time.
func TestLayerLargeTeamFile(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rules")
	}
	const n = 100_000
	rules := func(prefix string) []Rule {
		out := make([]Rule, n)
		for i := range out {
			out[i] = Rule{ID: fmt.Sprintf("%s%d", prefix, i), Kind: KindBanned, Phrases: []string{"x"}}
		}
		return out
	}
	base := &Lexicon{Name: "base", Settings: DefaultSettings, Rules: rules("b")}
	team := &Lexicon{Name: "team", Rules: rules("t")}
	for _, r := range base.Rules[:n-1] {
		team.Disable = append(team.Disable, r.ID)
	}
	out, err := Layer(base, team)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rules) != n+1 || out.Rules[0].ID != fmt.Sprintf("b%d", n-1) || out.Rules[n].ID != fmt.Sprintf("t%d", n-1) {
		t.Errorf("%d rules, first %s", len(out.Rules), out.Rules[0].ID)
	}
}

// TestSettingsRefusedOutOfRange: NaN, infinities and values out of each
// setting's range are refused, naming file:line.
func TestSettingsRefusedOutOfRange(t *testing.T) {
	if p := settingProblems(DefaultSettings); len(p) > 0 {
		t.Fatalf("the defaults are out of range: %v", p)
	}
	var keys []string
	for f := range reflect.TypeFor[Settings]().Fields() {
		keys = append(keys, f.Tag.Get("yaml"))
	}
	for _, r := range settingRanges {
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == r.key })
		bad := []string{".nan", ".inf", "-.inf", fmt.Sprint(r.min - 1), fmt.Sprint(r.max + 1)}
		if r.above {
			bad = append(bad, fmt.Sprint(r.min))
		}
		for _, v := range bad {
			if strings.HasSuffix(r.key, "_turns") && strings.Contains(v, ".") {
				continue // a whole number
			}
			in := fmt.Sprintf("name: x\nsettings:\n  %s: %s\nrules:\n  - {id: r, kind: banned, phrases: [a]}\n", r.key, v)
			_, err := Parse("f.yaml", []byte(in))
			if want := "f.yaml:3: settings." + r.key + ": "; err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("%s: %s: %v, want %q", r.key, v, err, want)
			}
		}
	}
	if len(keys) > 0 {
		t.Errorf("settings without a range: %v", keys)
	}
	// Each file is in range, but together the off margin is above the on margin.
	base := mustParse(t, "name: b\nsettings: {vad_on_margin_db: 10, vad_off_margin_db: 8}\nrules:\n  - {id: r, kind: banned, phrases: [a]}\n")
	team := mustParse(t, "name: t\nsettings:\n  vad_on_margin_db: 5\n")
	if _, err := Layer(base, team); err == nil || !strings.HasPrefix(err.Error(), "x.yaml:2: settings.vad_off_margin_db: 8 is above vad_on_margin_db 5") {
		t.Errorf("layered margins: %v", err)
	}
	for _, tt := range []struct{ rule, want string }{
		{"kind: banned, phrases: [a], penalty: .inf", `f.yaml:3: rule 1 ("r"): penalty: penalty and cap must be from 0 to 100 points, not +Inf and 0`},
		{"kind: banned, phrases: [a], cap: 101", `penalty and cap must be from 0 to 100 points, not 0 and 101`},
		{"kind: audio, metric: agent_talk_ratio, max: 1.5", `f.yaml:3: rule 1 ("r"): max: 1.5 is out of range (a share from 0 to 1)`},
		{"kind: audio, metric: overtalk, min: .nan", `f.yaml:3: rule 1 ("r"): min: NaN is out of range (a finite number, at least 0)`},
		{"kind: audio, metric: agent_speech_rate, min: 300, max: 200", `min: min 300 is above max 200`},
		{"kind: conditional, when: {phrases: [b]}, phrases: [a], within: {seconds: .nan}", `f.yaml:3: rule 1 ("r"): within: turns must not be negative, seconds must be from 0 to 86400`},
		{"kind: required, phrases: [a], window: {first_s: .nan}", `f.yaml:3: rule 1 ("r"): window: first_s must be positive (at most 86400)`},
	} {
		_, err := Parse("f.yaml", []byte("name: x\nrules:\n  - {id: r, "+tt.rule+"}\n"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.rule, err, tt.want)
		}
	}
}

// TestParseErrorsExact: malformed files get messages in the documented
// form, file:line: rule N ("id"): field, with a did-you-mean for unknown
// fields and the line of the mistake for indentation errors.
func TestParseErrorsExact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"name: x\nrules:\n  - id: r1\n    kind: banned\n    severty: minor\n    phrases: [a]\n",
			`f.yaml:5: rule 1 ("r1"): severty: unknown field; did you mean severity?`},
		{"name: x\nrules:\n  - id: r1\n    kind: banned\n    phrases: [a]\n  - id: r2\n    kind: banned\n    penalty: abc\n    phrases: [b]\n    when: {phrase: [c]}\n",
			"f.yaml:10: rule 2 (\"r2\"): when.phrase: unknown field; did you mean phrases?\n" +
				`f.yaml:8: rule 2 ("r2"): penalty: want a number, not "abc"`},
		{"name: x\nrule:\n  - id: r1\n", "f.yaml:2: rule: unknown field; did you mean rules?"},
		{"name: x\nsettings:\n  pass_mark: 80\n  dead_air: 3\n", "f.yaml:4: settings.dead_air: unknown field; did you mean dead_air_min_s?"},
		{"name: x\nrules:\n  - id: r1\n    kind: banned\n    phrases: a\n", `f.yaml:5: rule 1 ("r1"): phrases: want a list, not "a"`},
		{"name: x\nrules:\n  - id: r1\n    kind: banned\n   penalty: 5\n    phrases: [a]\n",
			"f.yaml:5: did not find expected '-' indicator (check the indentation)"},
		{"name: x\nrules:\n  - id: r1\n    kind: banned\n    phrases: [a]\n  - id: r2\n    kind: banned\n  penalty: 5\n",
			"f.yaml:8: did not find expected '-' indicator (check the indentation)"},
		{"name: x\nrules:\n  - id: r1\n    kind: banned\n     penalty: 5\n", "f.yaml:5: mapping values are not allowed in this context (check the indentation)"},
		{"name: x\nsettings:\n  pass_mark: 80\n dead_air_min_s: 3\nrules: []\n", "f.yaml:4: did not find expected key (check the indentation)"},
		{"name: x\nrules:\n  - id: r1\n    kind: banned\n    phrases: [a\n    penalty: 3\n", "f.yaml:5: did not find expected ',' or ']'"},
		{"name: x\nrules:\n\t- id: r1\n", "f.yaml:3: found character that cannot start any token"},
		{"- a\n- b\n", "f.yaml:1: a lexicon is a mapping (name:, rules: and so on)"},
	}
	for _, tt := range tests {
		_, err := Parse("f.yaml", []byte(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q):\n %v\nwant\n %s", tt.in, err, tt.want)
		}
	}
	// The line search costs a few parses, not one per line.
	long := "name: x\nrules:\n" + strings.Repeat("  - {id: r, kind: banned, phrases: [a]}\n", 5000) + "  - id: bad\n   kind: banned\n"
	if _, err := Parse("f.yaml", []byte(long)); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:5004: did not find expected '-' indicator") {
		t.Errorf("an indentation error after 5,000 rules: %v", err)
	}
	// Past maxSearched the search would cost seconds: the decoder's line,
	// said to be the block's, where the error still is.
	huge := "name: x\nrules:\n" + strings.Repeat("  - {id: r, kind: banned, phrases: [a]}\n", maxSearched/40+1) + "  - id: bad\n   kind: banned\n"
	if _, err := Parse("f.yaml", []byte(huge)); err == nil || !strings.HasPrefix(err.Error(), "f.yaml:3: in the block that starts there: did not find expected '-' indicator") {
		t.Errorf("an indentation error in a file over %d bytes: %v", maxSearched, err)
	}
}

// TestIDCoversEveryField is a property test: in seeded random lexicons,
// changing any setting, any field of any rule (but its description and
// examples) or a class changes the version, and the same content keeps it.
// Fields are found by reflection, so a new field the version misses fails
// here.
func TestIDCoversEveryField(t *testing.T) {
	for seed := range uint64(20) {
		gen := func() *Lexicon { // the same lexicon each call
			rng := rand.New(rand.NewPCG(seed, 14))
			l := &Lexicon{Name: "p", Version: "1"}
			for _, v := range []reflect.Value{reflect.ValueOf(&l.Settings), reflect.ValueOf(&l.Classes), reflect.ValueOf(&l.Rules)} {
				fill(v.Elem(), rng)
			}
			return l
		}
		id := gen().ID()
		if again := gen().ID(); again != id {
			t.Fatalf("seed %d: the same content gave %s and %s", seed, id, again)
		}
		n := len(leaves(gen()))
		for k := range n {
			l := gen()
			leaf := leaves(l)[k]
			leaf.change()
			if changed := l.ID() != id; changed == leaf.ignored {
				t.Errorf("seed %d: changing %s: version changed %v", seed, leaf.path, changed)
			}
		}
	}
}

// TestIDOfNonFiniteSettings: a lexicon built by hand with a NaN or an
// infinity (JSON cannot encode them) still gets a version of its content,
// not the hash of nothing.
func TestIDOfNonFiniteSettings(t *testing.T) {
	empty := sha256.Sum256(nil)
	seen := map[string]bool{}
	for _, s := range []Settings{{PassMark: math.NaN()}, {DeadAirMinS: math.NaN()}, {PassMark: math.Inf(1)}, {PassMark: math.Inf(-1)}} {
		id := (&Lexicon{Name: "x", Settings: s}).ID()
		if strings.HasSuffix(id, hex.EncodeToString(empty[:6])) || seen[id] {
			t.Errorf("settings %+v: version %s", s, id)
		}
		seen[id] = true
	}
}

// fill sets v, and everything it holds, to random values.
func fill(v reflect.Value, rng *rand.Rand) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("w%d", rng.IntN(1000)))
	case reflect.Float64:
		v.SetFloat(float64(rng.IntN(1000)) / 8)
	case reflect.Int:
		v.SetInt(int64(rng.IntN(10)))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), rng)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1+rng.IntN(2), 2))
		for i := range v.Len() {
			fill(v.Index(i), rng)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 1 + rng.IntN(2) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, rng)
			fill(e, rng)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), rng)
			}
		}
	}
}

// leaf is one value of a lexicon and a change of it; ignored when the
// version must not cover it.
type leaf struct {
	path    string
	change  func()
	ignored bool
}

// leaves lists every value of the lexicon's settings, classes and rules,
// in a fixed order.
func leaves(l *Lexicon) []leaf {
	var out []leaf
	var walk func(v reflect.Value, path string, ignored bool)
	walk = func(v reflect.Value, path string, ignored bool) {
		add := func(what string, f func()) { out = append(out, leaf{path + what, f, ignored}) }
		switch v.Kind() {
		case reflect.String:
			add("", func() { v.SetString(v.String() + "x") })
		case reflect.Float64:
			add("", func() { v.SetFloat(v.Float() + 0.5) })
		case reflect.Int:
			add("", func() { v.SetInt(v.Int() + 1) })
		case reflect.Pointer:
			add(" = nil", func() { v.Set(reflect.Zero(v.Type())) })
			walk(v.Elem(), path, ignored)
		case reflect.Slice:
			add(" + one", func() { v.Set(reflect.Append(v, v.Index(0))) })
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i), ignored)
			}
		case reflect.Map:
			for _, k := range slices.Sorted(func(yield func(string) bool) {
				for _, k := range v.MapKeys() {
					if !yield(k.String()) {
						return
					}
				}
			}) {
				add("["+k+"] + one", func() {
					e := v.MapIndex(reflect.ValueOf(k))
					v.SetMapIndex(reflect.ValueOf(k), reflect.Append(e, reflect.ValueOf("x")))
				})
			}
			add(" + one", func() { v.SetMapIndex(reflect.ValueOf("new"), reflect.ValueOf([]string{"x"})) })
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if f.IsExported() {
					walk(v.Field(i), path+"."+f.Name, ignored || v.Type() == reflect.TypeFor[Rule]() && (f.Name == "Description" || f.Name == "Examples"))
				}
			}
		}
	}
	walk(reflect.ValueOf(&l.Settings).Elem(), "settings", false)
	walk(reflect.ValueOf(&l.Classes).Elem(), "classes", false)
	walk(reflect.ValueOf(&l.Rules).Elem(), "rules", false)
	return out
}
