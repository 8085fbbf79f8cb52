package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.failed, r.msg = true, format }
func (r *recorder) Fatalf(format string, a ...any) { r.failed, r.msg = true, format }

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.golden")
	if err := os.WriteFile(path, []byte("a\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, path, "a\nb\n")
	if r.failed {
		t.Error("the same text failed")
	}
	Check(r, path, "a\nc\n")
	if !r.failed {
		t.Error("a changed line passed")
	}
	r = &recorder{TB: t}
	Check(r, path+".missing", "a")
	if !r.failed {
		t.Error("a missing golden file passed")
	}
}

func TestFirstDifference(t *testing.T) {
	if got := firstDifference("a\nb\nc", "a\nx\nc"); !strings.Contains(got, "line 2") || !strings.Contains(got, "x") {
		t.Errorf("FirstDifference = %q", got)
	}
	if got := firstDifference("a", "a"); got != "" {
		t.Errorf("equal texts: %q", got)
	}
}
