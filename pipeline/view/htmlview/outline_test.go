package htmlview

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callqa/callqa/internal/golden"
	"golang.org/x/net/html"
)

// parse reads a page as a browser would.
func parse(t *testing.T, page []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// outline is a page's structure, one element a line: its tag, id, classes,
// data attributes, link and own text, indented by depth. Styles, scripts and
// coordinates are left out, so the outline changes when the page's content
// or structure does, not when a colour or a position is tuned.
func outline(doc *html.Node) string {
	var sb strings.Builder
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if n.Type == html.ElementNode {
			if n.Data == "style" || n.Data == "script" || n.Data == "meta" {
				return
			}
			sb.WriteString(strings.Repeat("  ", depth))
			sb.WriteString(n.Data)
			for _, a := range n.Attr {
				switch {
				case a.Key == "id":
					sb.WriteString("#" + a.Val)
				case a.Key == "class":
					for c := range strings.FieldsSeq(a.Val) {
						sb.WriteString("." + c)
					}
				case strings.HasPrefix(a.Key, "data-") && a.Key != "data-start" && a.Key != "data-end",
					a.Key == "href", a.Key == "aria-label":
					sb.WriteString(" [" + a.Key + "=" + a.Val + "]")
				}
			}
			if text := ownText(n); text != "" {
				sb.WriteString(" " + strings.TrimSpace(text))
			}
			sb.WriteString("\n")
			depth++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth)
		}
	}
	walk(doc, 0)
	return sb.String()
}

// ownText is the text directly inside n, whitespace collapsed.
func ownText(n *html.Node) string {
	var parts []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			if s := strings.Join(strings.Fields(c.Data), " "); s != "" {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, " ")
}

// checkGolden compares a page's outline with testdata/NAME.outline.
func checkGolden(t *testing.T, name string, page []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".outline"), outline(parse(t, page)))
}

// find returns the elements for which match is true, in document order.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	if n.Type == html.ElementNode && match(n) {
		out = append(out, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		out = append(out, find(c, match)...)
	}
	return out
}

func byID(doc *html.Node, id string) *html.Node {
	found := find(doc, func(n *html.Node) bool { return attr(n, "id") == id })
	if len(found) == 0 {
		return nil
	}
	return found[0]
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text is all the text inside n.
func text(n *html.Node) string {
	if n == nil {
		return ""
	}
	if n.Type == html.TextNode {
		return n.Data
	}
	var sb strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		sb.WriteString(text(c))
	}
	return sb.String()
}
