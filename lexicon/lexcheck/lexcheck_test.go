package lexcheck

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
)

func TestLint(t *testing.T) {
	lex, err := lexicon.Parse("l.yaml", []byte(`
name: l
rules:
  - {id: a, kind: banned, penalty: 1, phrases: [麻烦, "！"], exceptions: [不麻烦, 谢谢], examples: {match: [真麻烦], no_match: [不麻烦]}}
  - {id: b, kind: banned, penalty: 1, phrases: [麻烦, 这太麻烦了吧]}
`))
	if err != nil {
		t.Fatal(err)
	}
	all := lintText(lex)
	for _, want := range []string{
		`error a phrase "！" is only punctuation`,
		`error a exception "谢谢" contains none of the rule's phrases`,
		`warning b phrase "麻烦" is also a phrase of rule a`,
		`warning a phrase "麻烦" cannot match inside "这太麻烦了吧" (rule b)`,
		`warning b no examples that must match`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("lint lacks %q; got:\n%s", want, all)
		}
	}
	if strings.Contains(all, `"不麻烦" contains none`) {
		t.Errorf("a working exception was reported:\n%s", all)
	}
}

func TestJUnitEscapesText(t *testing.T) {
	var b bytes.Buffer
	cases := []Case{
		{Suite: "rule x", Name: `"<b>&"`, Failure: `rule x: "<script>" should match`},
		{Suite: "rule x", Name: "ok"},
		{Suite: "calls", Name: "c1"},
	}
	if err := WriteJUnit(&b, "lex@1", cases); err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Fails != 1 || len(doc.Suites) != 2 || doc.Suites[0].Cases[0].Name != `"<b>&"` ||
		doc.Suites[0].Cases[0].Failure.Message != `rule x: "<script>" should match` {
		t.Errorf("round trip: %+v", doc)
	}
	if strings.Contains(b.String(), "<script>") {
		t.Error("markup from a rule reached the XML unescaped")
	}
}

// TestLintPatterns: unused classes, explosive patterns and required phrases
// shared by two windows are reported; exceptions may cancel pattern matches.
func TestLintPatterns(t *testing.T) {
	lex, err := lexicon.Parse("p.yaml", []byte(`
name: p
classes:
  self: [我, 我们]
  unused: [呢]
  many: [a, b, c, d, e, f, g, h, i, j, k, l]
rules:
  - {id: shirk, kind: banned, penalty: 1, patterns: ["{self}管不了"], exceptions: [我管不了太多]}
  - {id: huge, kind: banned, penalty: 1, patterns: ["{many}{many}{many}"]}
  - {id: open, kind: required, window: opening, penalty: 1, phrases: [请问有什么可以帮您]}
  - {id: close, kind: required, window: closing, penalty: 1, patterns: ["请问(还)?有什么可以帮您"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	all := lintText(lex)
	for _, want := range []string{
		`warning classes class "unused" is used by no pattern`,
		`warning huge a pattern expands to 1728 phrases in one piece`,
		`warning open phrase "请问有什么可以帮您" is found inside "请问有什么可以帮您" of rule close (closing window)`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("lint lacks %q; got:\n%s", want, all)
		}
	}
	if strings.Contains(all, "exception") || strings.Contains(all, `class "self"`) || strings.Contains(all, `class "many"`) {
		t.Errorf("a working exception or a used class was reported:\n%s", all)
	}
}

// lintText is Lint's findings, a line each: severity, rule, message.
func lintText(lex *lexicon.Lexicon) string {
	var lines []string
	for _, f := range Lint(lex) {
		lines = append(lines, f.Severity+" "+f.Rule+" "+f.Message)
	}
	return strings.Join(lines, "\n")
}
