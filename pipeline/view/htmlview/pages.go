// Package htmlview renders what callqa found as self-contained HTML pages:
// one call explained on a timeline, and a night's batch summed up. Pages
// carry their styles, scripts and charts (inline SVG) inside, so they open
// offline and can be mailed or archived as one file.
package htmlview

import (
	"embed"
	"fmt"
	"hash/fnv"
	"html/template"
	"reflect"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pages holds the templates. html/template escapes every value by its
// context, so transcript words, call ids and file names stay text.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"pct": func(part, whole int) string {
		if whole == 0 {
			return "—"
		}
		return fmt.Sprintf("%.0f %%", 100*float64(part)/float64(whole))
	},
	"show": show,
}).ParseFS(templateFiles, "templates/*.html"))

// show formats an optional value (a pointer) with format, or "—" for nil.
func show(format string, v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "—"
		}
		rv = rv.Elem()
	}
	return fmt.Sprintf(format, rv.Interface())
}

// PageName is the file name of a call's page: the call id with every
// character other than ASCII letters, digits, '-' and '_' replaced, and a
// hash of the whole id, so that two ids never share a page and no id can
// name a path outside the folder.
func PageName(callID string) string {
	var b strings.Builder
	for _, r := range callID {
		if b.Len() >= 64 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	h := fnv.New32a()
	h.Write([]byte(callID))
	return fmt.Sprintf("%s-%08x.html", b.String(), h.Sum32())
}
