package pipeline

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/callqa/callqa/"

// layerRules are the imports each layer must not make (prefixes of import
// paths), as docs/architecture.md draws them: stages know nothing of where
// calls come from or go to; only the sink knows Parquet; only cmd knows
// the command line.
var layerRules = []struct {
	layer, why string
	forbidden  []string
}{
	{module + "pipeline/stage/", "a stage is a plain function of its input", []string{
		module + "pipeline/sink", module + "pipeline/view", module + "pipeline/source", module + "cmd/",
		module + "pipeline\x00", "github.com/spf13/cobra", "github.com/spf13/pflag"}},
	{module + "pipeline/timeline", "the shared interval type depends on nothing", []string{module}},
	{module + "pipeline/source", "sources find calls, they do not process them", []string{
		module + "pipeline/stage/", module + "pipeline/sink", module + "pipeline/view", module + "pipeline\x00"}},
	{module + "pipeline\x00", "the wiring hands calls on; it does not store or show them", []string{
		module + "pipeline/sink", module + "pipeline/view", "github.com/spf13/"}},
	{module + "pipeline/view", "views render a Call; they never write Parquet", []string{
		"github.com/parquet-go/", "github.com/spf13/"}},
	{module + "lexicon", "the rules are data, read by the pipeline", []string{
		module + "pipeline/sink", module + "pipeline/view", "github.com/spf13/", "github.com/parquet-go/"}},
	{module + "internal/", "helpers know no layer", []string{module + "pipeline", module + "cmd/", module + "lexicon"}},
	{"", "only the sink knows Parquet", []string{"github.com/parquet-go/parquet-go"}},
	{"", "only cmd/callqa knows the command line", []string{"github.com/spf13/cobra", "github.com/spf13/pflag"}},
}

// allowed are the packages that may make an import the rule for all ("")
// forbids.
var allowed = map[string]string{
	"github.com/parquet-go/parquet-go": module + "pipeline/sink",
	"github.com/spf13/cobra":           module + "cmd/callqa",
	"github.com/spf13/pflag":           module + "cmd/callqa",
}

// TestLayers reads the module's import graph (go list, non-test files) and
// fails on an import that crosses the layers.
func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		graph[fields[0]] = fields[1:]
	}
	if len(graph) < 10 {
		t.Fatalf("go list found %d packages", len(graph))
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// TestLayersCatchViolations: each kind of crossing is caught.
func TestLayersCatchViolations(t *testing.T) {
	graph := map[string][]string{
		module + "pipeline/stage/vad":  {module + "pipeline/sink", "math"},
		module + "pipeline/stage/x":    {module + "pipeline", "github.com/spf13/cobra"},
		module + "pipeline":            {module + "pipeline/view/htmlview", module + "pipeline/stage/vad"},
		module + "pipeline/view":       {"github.com/parquet-go/parquet-go"},
		module + "pipeline/sink":       {"github.com/parquet-go/parquet-go", module + "pipeline"},
		module + "cmd/callqa":          {"github.com/spf13/cobra", module + "pipeline/sink"},
		module + "lexicon":             {module + "pipeline/view"},
		module + "internal/atomicfile": {"os"},
		module + "pipeline/source":     {module + "pipeline/stage/rules"},
	}
	got := violations(graph)
	for _, want := range []string{
		"pipeline/stage/vad imports " + module + "pipeline/sink",
		"pipeline/stage/x imports " + module + "pipeline:",
		"pipeline/stage/x imports github.com/spf13/cobra",
		"pipeline imports " + module + "pipeline/view/htmlview",
		"pipeline/view imports github.com/parquet-go/parquet-go",
		"lexicon imports " + module + "pipeline/view",
		"pipeline/source imports " + module + "pipeline/stage/rules",
	} {
		found := false
		for _, v := range got {
			found = found || strings.Contains(v, want)
		}
		if !found {
			t.Errorf("not caught: %s\ngot: %q", want, got)
		}
	}
	if len(got) != 9 { // cobra in a stage and Parquet in a view break two rules each
		t.Errorf("%d violations, want 9 (the sink's Parquet and cmd's cobra are allowed): %q", len(got), got)
	}
}

// violations lists the imports of graph (package → its imports) that
// cross the layers.
func violations(graph map[string][]string) []string {
	var out []string
	for pkg, imports := range graph {
		for _, r := range layerRules {
			if !strings.HasPrefix(pkg+"\x00", r.layer) {
				continue
			}
			for _, imp := range imports {
				for _, bad := range r.forbidden {
					if !strings.HasPrefix(imp+"\x00", bad) {
						continue
					}
					if ok := allowed[bad]; ok != "" && strings.HasPrefix(pkg, ok) {
						continue
					}
					out = append(out, fmt.Sprintf("%s imports %s: %s", pkg, imp, r.why))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
