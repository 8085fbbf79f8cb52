package jieba

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// shared is the one Segmenter of these tests, with the words of
// testdata/userwords.txt added as callqa adds lexicon phrases.
var shared = sync.OnceValues(func() (*Segmenter, error) {
	s, err := Default()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile("testdata/userwords.txt")
	if err != nil {
		return nil, err
	}
	for _, w := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		s.AddWord(w, 20000)
	}
	return s, nil
})

func segmenter(t testing.TB) *Segmenter {
	t.Helper()
	s, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSameAsGojieba: every text of testdata/cuts.txt is cut into the
// words gojieba (cppjieba) cut it into: corpus lines, generated mixtures of
// Chinese, ASCII, digits, separators and emoji, added words run together,
// and texts with a byte broken.
func TestSameAsGojieba(t *testing.T) {
	s := segmenter(t)
	f, err := os.Open("testdata/cuts.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n, bad := 0, 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		quoted, cuts, _ := strings.Cut(line, "\t")
		text, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("cuts.txt: %q: %v", quoted, err)
		}
		var got []string
		for _, tok := range s.Cut(text) {
			got = append(got, strconv.Itoa(tok.Start)+"-"+strconv.Itoa(tok.End))
		}
		n++
		if g := strings.Join(got, " "); g != cuts {
			if bad++; bad <= 10 {
				t.Errorf("%q: cut at %s, gojieba at %s", text, g, cuts)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 3000 {
		t.Fatalf("only %d texts in cuts.txt", n)
	}
	if bad > 0 {
		t.Errorf("%d of %d texts cut otherwise than gojieba", bad, n)
	}
}

func words(text string, toks []Token) []string {
	var out []string
	for _, t := range toks {
		out = append(out, text[t.Start:t.End])
	}
	return out
}

func TestAddWordKeepsAPhraseWhole(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	text := "这事我管不了你自己去问"
	before := words(text, s.Cut(text))
	s.AddWord("这事我管不了", 20000)
	after := words(text, s.Cut(text))
	if before[0] == "这事我管不了" || after[0] != "这事我管不了" {
		t.Errorf("before %q, after adding the phrase %q", before, after)
	}
	// A longer added word (more than shortRunes characters) and one of its
	// prefixes that is a word of its own.
	s.AddWord("营业厅服务台窗口", 20000)
	if got := words("请到营业厅服务台窗口办理", s.Cut("请到营业厅服务台窗口办理")); !contains(got, "营业厅服务台窗口") {
		t.Errorf("long added word not kept: %q", got)
	}
}

func contains(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// TestTextThatDoesNotDecode: as in cppjieba, a lead byte above 0xF7 or a
// sequence cut short by the end gives no words; other broken bytes decode
// leniently.
func TestTextThatDoesNotDecode(t *testing.T) {
	s := segmenter(t)
	for _, text := range []string{"\xf8您好", "您好\xe4\xbd"} {
		if got := s.Cut(text); got != nil {
			t.Errorf("%q: %v, want no words", text, got)
		}
	}
	if got := s.Cut("您\xa0好"); len(got) == 0 {
		t.Errorf("a stray continuation byte: no words")
	}
}

func TestNewRejectsBadDictionaries(t *testing.T) {
	for _, tc := range []struct{ dict, hmm, want string }{
		{"", defaultHMM, "empty dictionary"},
		{"您好 3\n", defaultHMM, "line 1: 2 fields"},
		{"您好 3 n\n\xf8 2 n\n", defaultHMM, "line 2: the word"},
		{"您好 3 n\n", "0 0 0\n", "HMM model"},
	} {
		if _, err := New(tc.dict, tc.hmm); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q): %v, want an error with %q", tc.dict, err, tc.want)
		}
	}
}

// FuzzCut: any text is cut into words that tile it, or (when cppjieba's
// decoding fails) into none.
func FuzzCut(f *testing.F) {
	for _, seed := range []string{"您好，请问有什么可以帮您？", "iPhone15Pro 3.14元", "\xf8x", "a\tb\nc。", ""} {
		f.Add(seed)
	}
	s := segmenter(f)
	f.Fuzz(func(t *testing.T, text string) {
		toks := s.Cut(text)
		if toks == nil {
			return
		}
		at := 0
		for _, tok := range toks {
			if tok.Start != at || tok.End <= tok.Start {
				t.Fatalf("%q: token %+v at %d", text, tok, at)
			}
			at = tok.End
		}
		if at != len(text) {
			t.Fatalf("%q: tokens end at %d of %d", text, at, len(text))
		}
		if utf8.ValidString(text) {
			for _, w := range words(text, toks) {
				if !utf8.ValidString(w) {
					t.Fatalf("%q: token %q splits a character", text, w)
				}
			}
		}
	})
}

// BenchmarkDefault is the start-up cost: building the default dictionary.
func BenchmarkDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Default(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCut cuts corpus-like text.
func BenchmarkCut(b *testing.B) {
	s := segmenter(b)
	text := strings.Repeat("您好，请问有什么可以帮您？我的宽带从昨天开始就上不了网了，你们到底管不管？", 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s.Cut(text)
	}
}
