package transcript

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// decodeText turns the bytes of a transcript into UTF-8: a byte-order mark
// says UTF-8 or UTF-16; otherwise valid UTF-8 is taken as it is, and
// anything else is read as GB18030 (which covers GBK and GB2312), the
// encoding of older Chinese call-center systems, or as Big5 (Taiwan and
// Hong Kong) when that fits better, unless UTF-8 fits better still.
// Invalid bytes are replaced by U+FFFD, with a warning.
func decodeText(b []byte) (text, enc string, warnings []string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b, enc = b[3:], "utf-8"
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), b, "utf-16le")
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), b, "utf-16be")
	default:
		enc = "utf-8"
	}
	if utf8.Valid(b) {
		return string(b), enc, nil
	}
	text, enc, warnings = decodeWith(simplifiedchinese.GB18030, b, "gb18030")
	if big5, big5Enc, big5Warn := decodeWith(traditionalchinese.Big5, b, "big5"); fitsBetter(big5, text) {
		text, enc, warnings = big5, big5Enc, big5Warn
	}
	u := strings.ToValidUTF8(string(b), "\uFFFD")
	if strings.Count(u, "\uFFFD") < strings.Count(text, "\uFFFD") {
		return u, "utf-8", []string{fmt.Sprintf("%d invalid UTF-8 sequences replaced by \uFFFD", strings.Count(u, "\uFFFD"))}
	}
	return text, enc, warnings
}

// fitsBetter reports whether a reading of some bytes is more likely than
// another: fewer invalid sequences, then more of the commonest characters.
// Big5 bytes read as GB18030 (and GBK as Big5) are mostly valid, but
// garbled: kana, box drawing and rare characters instead of 的, 您, 請.
func fitsBetter(a, b string) bool {
	if na, nb := strings.Count(a, "\uFFFD"), strings.Count(b, "\uFFFD"); na != nb {
		return na < nb
	}
	return commonRunes(a) > commonRunes(b)
}

// common are among the commonest characters of Chinese, and of calls,
// in Simplified and Traditional forms.
var common = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "的一是不了人我在有他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也你您对對好请請问問什么麼吗嗎谢謝没沒帮幫下里裡还還能过過后後给給话話电電号號办辦理查费費钱錢退款服务務客户戶经經已再稍等" {
		m[r] = true
	}
	return m
}()

func commonRunes(s string) int {
	n := 0
	for _, r := range s {
		if common[r] {
			n++
		}
	}
	return n
}

func decodeWith(e encoding.Encoding, b []byte, name string) (string, string, []string) {
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		// Decoders replace bad input rather than fail; keep what there is.
		return strings.ToValidUTF8(string(b), "\uFFFD"), name, []string{fmt.Sprintf("%s decoding failed: %v", name, err)}
	}
	text := string(out)
	if n := strings.Count(text, "\uFFFD"); n > 0 {
		return text, name, []string{fmt.Sprintf("%d invalid %s sequences replaced by \uFFFD", n, name)}
	}
	return text, name, nil
}
