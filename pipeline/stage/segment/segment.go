// Package segment splits Chinese text into words with one shared gojieba
// instance whose dictionaries travel inside the binary.
package segment

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/yanyiwu/gojieba"
)

// The five files gojieba needs, in the order NewJieba takes them. gojieba's
// own default paths point into the module cache of the build machine, so a
// copied binary would panic; the embedded copies make the binary
// self-contained (see dict/README.md).
var dictFiles = []string{
	"jieba.dict.utf8",
	"hmm_model.utf8",
	"user.dict.utf8",
	"idf.utf8",
	"stop_words.utf8",
}

//go:embed dict/*.utf8
var dicts embed.FS

// userWordFreq is the frequency given to added words. It is high enough that
// jieba keeps a lexicon phrase as one token wherever it stands as a word.
const userWordFreq = 20000

// Segmenter cuts text into tokens. It is safe for concurrent use by many
// goroutines once built; words can only be added in New, because gojieba
// crashes when words are added while others cut.
type Segmenter struct {
	jb *gojieba.Jieba
}

// Token is one word with its byte offsets in the text given to Cut.
type Token struct {
	Text       string
	Start, End int
}

// New builds a Segmenter from the embedded dictionaries and adds userWords
// (lexicon phrases) so that jieba keeps them whole. Building takes about a
// second and 130 MB: make one and share it.
func New(userWords []string) (*Segmenter, error) {
	dir, err := os.MkdirTemp("", "callqa-jieba-")
	if err != nil {
		return nil, fmt.Errorf("jieba dictionaries: %w", err)
	}
	// cppjieba reads the files completely while it is built, so they are not
	// needed afterwards.
	defer os.RemoveAll(dir)

	paths := make([]string, len(dictFiles))
	for i, name := range dictFiles {
		data, err := dicts.ReadFile("dict/" + name)
		if err != nil {
			return nil, fmt.Errorf("jieba dictionaries: %w", err)
		}
		paths[i] = filepath.Join(dir, name)
		if err := os.WriteFile(paths[i], data, 0o600); err != nil {
			return nil, fmt.Errorf("jieba dictionaries: %w", err)
		}
	}
	jb := gojieba.NewJieba(paths...)
	for _, w := range userWords {
		w = strings.TrimSpace(w)
		if w == "" || strings.ContainsAny(w, " \t\n\x00") {
			continue // cppjieba splits user-word lines on spaces
		}
		jb.AddWordEx(w, userWordFreq, "n")
	}
	return &Segmenter{jb: jb}, nil
}

// Cut splits text into tokens (HMM on, so unknown words such as names are
// kept together). A NUL byte would silently truncate the text inside cgo, so
// text is cut piecewise around NULs and the offsets still refer to text.
func (s *Segmenter) Cut(text string) []Token {
	if !strings.Contains(text, "\x00") {
		words := s.jb.Tokenize(text, gojieba.DefaultMode, true)
		tokens := make([]Token, len(words))
		for i, w := range words {
			tokens[i] = Token{Text: w.Str, Start: w.Start, End: w.End}
		}
		return tokens
	}
	var tokens []Token
	base := 0
	for piece := range strings.SplitSeq(text, "\x00") {
		if piece != "" {
			for _, w := range s.jb.Tokenize(piece, gojieba.DefaultMode, true) {
				tokens = append(tokens, Token{Text: w.Str, Start: base + w.Start, End: base + w.End})
			}
		}
		base += len(piece) + 1
	}
	return tokens
}
