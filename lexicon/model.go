package lexicon

import (
	_ "embed"
	"fmt"
	"path/filepath"
)

// defaultModel is the similarity model of the embedded lexicon, built by
// make model (callqa lexicon train testdata/lexicon).
//
//go:embed default.model
var defaultModel []byte

// DefaultModelFile is the default model's name in the source tree, which
// make model rewrites.
const DefaultModelFile = "default.model"

// ModelRef is the similarity model a lexicon names.
type ModelRef struct {
	// Path is the file, as named in messages.
	Path string
	// For is the name@version of the lexicon file that names the model:
	// the model must have been trained for it.
	For string
	// Line is where the lexicon names the model.
	Line     int
	Lexicon  string // the lexicon file
	embedded bool
}

// ModelRef returns the model the lexicon's similar rules use, nil when no
// layer names one.
func (l *Lexicon) ModelRef() *ModelRef { return l.model }

// Read returns the model file's contents.
func (m *ModelRef) Read() ([]byte, error) {
	if m.embedded {
		return defaultModel, nil
	}
	data, err := readFile(m.Path)
	if err != nil {
		return nil, fmt.Errorf("%s: model: %w", pos(m.Lexicon, m.Line), err)
	}
	return data, nil
}

// refModel records the model a parsed file names: beside the file, or
// embedded for the embedded lexicon.
func (l *Lexicon) refModel(name string) {
	if l.Model == "" {
		return
	}
	ref := &ModelRef{Path: l.Model, For: l.Name + "@" + l.Version, Line: l.at.top["model"], Lexicon: name}
	switch {
	case name == defaultName:
		ref.Path, ref.embedded = "default.model (embedded)", true
	case !filepath.IsAbs(l.Model):
		ref.Path = filepath.Join(filepath.Dir(name), l.Model)
	}
	l.model = ref
}
