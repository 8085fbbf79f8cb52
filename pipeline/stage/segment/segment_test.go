package segment

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

func words(tokens []Token) []string {
	var out []string
	for _, t := range tokens {
		out = append(out, t.Text)
	}
	return out
}

// shared is the one segmenter of these tests (each takes a second to
// build), with a user word and two words it must skip.
var shared = sync.OnceValues(func() (*Segmenter, error) {
	return New([]string{"这事我管不了", " ", "has space"})
})

func segmenter(t *testing.T) *Segmenter {
	t.Helper()
	s, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCut(t *testing.T) {
	s := segmenter(t)
	text := "这事我管不了你自己去营业厅问吧"
	tokens := s.Cut(text)
	if tokens[0].Text != "这事我管不了" {
		t.Errorf("user word not kept whole: %v", words(tokens))
	}
	// Offsets tile the text.
	pos := 0
	for _, tok := range tokens {
		if tok.Start != pos || text[tok.Start:tok.End] != tok.Text {
			t.Fatalf("token %+v at %d", tok, pos)
		}
		pos = tok.End
	}
	if pos != len(text) {
		t.Errorf("tokens end at %d of %d", pos, len(text))
	}
}

func TestCutAroundNUL(t *testing.T) {
	s := segmenter(t)
	text := "您好\x00再见"
	got := words(s.Cut(text))
	if !slices.Equal(got, []string{"您好", "再见"}) {
		t.Errorf("Cut = %q", got)
	}
	for _, tok := range s.Cut(text) {
		if text[tok.Start:tok.End] != tok.Text {
			t.Errorf("offsets of %+v", tok)
		}
	}
}

// TestConcurrentCut: one segmenter serves all workers.
func TestConcurrentCut(t *testing.T) {
	s := segmenter(t)
	text := strings.Repeat("请问还有其他可以帮您的吗感谢您的来电再见", 20)
	want := words(s.Cut(text))
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if got := words(s.Cut(text)); !slices.Equal(got, want) {
					errs <- strings.Join(got, "/")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent Cut differs: %s", e)
	}
}

// TestNewWithUserWordsThatPanic: a panic while the user words are made
// (on their own goroutine) is New's error, not the end of the process.
func TestNewWithUserWordsThatPanic(t *testing.T) {
	_, err := NewWith(func() []string { panic("broken lexicon") })
	if err == nil || !strings.Contains(err.Error(), "broken lexicon") {
		t.Fatalf("NewWith: %v", err)
	}
}
