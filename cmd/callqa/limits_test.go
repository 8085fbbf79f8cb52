package main

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBinaryIsStatic: callqa as make build builds it links no libc. With
// cgo (net's resolver pulls it in) every thread comes from pthread_create
// with an 8 MB stack and may get a 64 MB glibc malloc arena, all reserved
// address space: under a batch scheduler's ulimit -v 2000000 that made
// inspect of a long call die in most runs ("fatal error: out of memory",
// "pthread_create failed").
func TestBinaryIsStatic(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ELF only")
	}
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("callqa asks for a dynamic loader")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("callqa links %v", libs)
	}
}

// TestUnderAddressSpaceLimit runs inspect --html of a long call (8,000
// turns) and a run of it under ulimit -v 2000000, three times each: every
// one must succeed. The Go runtime alone reserves some 1.2 GB; cgo's
// threads and malloc arenas made these fail now and then.
func TestUnderAddressSpaceLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ulimit -v is a Linux test here")
	}
	if testing.Short() {
		t.Skip("-short")
	}
	t.Parallel()
	dir := t.TempDir()
	texts := []string{"您好，工号1086，很高兴为您服务，请问有什么可以帮您？", "我想查一下这个月的话费，为什么扣了这么多钱？", "好的，请您稍等，我帮您查询一下。", "这是规定呢", "恩"}
	var segs []map[string]any
	for i := range 8000 {
		segs = append(segs, map[string]any{"speaker": []string{"agent", "customer"}[i%2], "start": 1.5 * float64(i), "end": 1.5*float64(i) + 1, "text": strings.Repeat(texts[i%5], 3)})
	}
	data, err := json.Marshal(map[string]any{"call_id": "long", "segments": segs})
	if err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, "in", "long.json")
	if err := os.MkdirAll(filepath.Dir(long), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(long, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		for _, args := range [][]string{
			{"inspect", long, "--html", filepath.Join(dir, "page.html")},
			{"run", filepath.Dir(long), "--out", filepath.Join(dir, fmt.Sprint("out", i))},
		} {
			cmd := exec.Command("sh", append([]string{"-c", `ulimit -v 2000000 && exec "$0" "$@"`, binary}, args...)...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("callqa %s under ulimit -v 2000000: %v\n%.2000s", args[0], err, out)
			}
		}
	}
}

// TestTooFewDescriptors: under ulimit -n too low for the workers, run
// fails at once (exit 1), writing nothing, instead of failing calls or
// its output halfway (issue 24).
func TestTooFewDescriptors(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ulimit -n is a Linux test here")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command("sh", "-c", `ulimit -n 30 && exec "$0" "$@"`, binary, "run", filepath.Join("..", "..", "testdata", "calls"), "--out", out, "--workers", "2")
	b, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(b), "the open-file limit is 30 (ulimit -n); a run with --workers 2 needs at least 48") {
		t.Errorf("under ulimit -n 30: %v\n%s", err, b)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the run wrote %s: %v", out, err)
	}
}

// TestUnusableTMPDIR: nothing callqa does needs TMPDIR (jieba's
// dictionaries are built in memory, temporary files go beside the output),
// so a read-only or missing TMPDIR, as in a pod with readOnlyRootFilesystem,
// changes nothing (issue 24).
func TestUnusableTMPDIR(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(binary, "run", filepath.Join("..", "..", "testdata", "calls"), "--out", out)
	cmd.Env = append(os.Environ(), "TMPDIR=/nonexistent/tmp")
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "0 failed") {
		t.Errorf("with TMPDIR missing: %v\n%s", err, b)
	}
}
