package transcript

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// decodeText turns the bytes of a transcript into UTF-8: a byte-order mark
// says UTF-8 or UTF-16; otherwise valid UTF-8 is taken as it is, and
// anything else is read as GB18030 (which covers GBK and GB2312), the
// encoding of older Chinese call-center systems, unless UTF-8 fits better.
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
	gb, gbEnc, gbWarn := decodeWith(simplifiedchinese.GB18030, b, "gb18030")
	u := strings.ToValidUTF8(string(b), "\uFFFD")
	if enc == "utf-8" && strings.Count(u, "\uFFFD") < strings.Count(gb, "\uFFFD") {
		return u, "utf-8", []string{fmt.Sprintf("%d invalid UTF-8 sequences replaced by \uFFFD", strings.Count(u, "\uFFFD"))}
	}
	return gb, gbEnc, gbWarn
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
