package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/lexicon"
	"github.com/callqa/callqa/pipeline/stage/similar"
)

// teamWithModel writes a lexicon file that names a model beside it, and
// the model, trained for the lexicon name@version given.
func teamWithModel(t *testing.T, trainedFor string, model []byte) string {
	t.Helper()
	dir := t.TempDir()
	lex := "name: team\nversion: \"2\"\nmodel: team.model\nrules:\n" +
		"  - {id: similar.dismissive, kind: similar, category: dismissive, penalty: 3}\n"
	if err := os.WriteFile(filepath.Join(dir, "team.yaml"), []byte(lex), 0o644); err != nil {
		t.Fatal(err)
	}
	if model == nil {
		var ex []similar.Example
		for _, s := range []string{"a", "b", "c", "d", "e"} {
			ex = append(ex, similar.Example{Text: "随便你吧" + s, Context: "又扣钱了", Label: "dismissive", Source: s},
				similar.Example{Text: "好的我帮您查一下" + s, Label: "none", Source: s})
		}
		m, err := similar.Train(ex, similar.Options{Lexicon: trainedFor, Families: []string{"dismissive"}})
		if err != nil {
			t.Fatal(err)
		}
		model = m.Encode()
	}
	if err := os.WriteFile(filepath.Join(dir, "team.model"), model, 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "team.yaml")
}

// TestSimilarModelErrors: a model for another lexicon version, a damaged
// model file or a missing one stops the engine with the file and line.
func TestSimilarModelErrors(t *testing.T) {
	for name, c := range map[string]struct {
		trainedFor string
		model      []byte
		want       string
	}{
		"right lexicon":   {"team@2", nil, ""},
		"another version": {"team@1", nil, "team.model:2: the model was trained for lexicon team@1, not team@2 (named at "},
		"damaged":         {"", []byte("callqa-similar-model 1\nlexicon \"team@2\"\nclasses oops\n"), "team.model:3:"},
		"not a model":     {"", []byte("hello\n"), "team.model:1:"},
	} {
		t.Run(name, func(t *testing.T) {
			path := teamWithModel(t, c.trainedFor, c.model)
			lex, err := lexicon.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			e, err := New(Config{Lexicon: lex})
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want == "" && (e.Similar() == nil || !strings.Contains(e.LexiconVersion(), "+model.")):
				t.Errorf("no similarity stage: version %s", e.LexiconVersion())
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want %q", err, c.want)
			}
			if c.want != "" && err != nil && strings.Contains(c.want, "named at") && !strings.Contains(err.Error(), "team.yaml:3") {
				t.Errorf("the error does not name where the lexicon names the model: %v", err)
			}
		})
	}
	// Removed since: the lexicon names a file that is not there.
	path := teamWithModel(t, "team@2", nil)
	if err := os.Remove(filepath.Join(filepath.Dir(path), "team.model")); err != nil {
		t.Fatal(err)
	}
	lex, err := lexicon.Load(path)
	if err == nil {
		_, err = New(Config{Lexicon: lex})
	}
	if err == nil || !strings.Contains(err.Error(), "team.model") {
		t.Errorf("a missing model: %v", err)
	}
}
