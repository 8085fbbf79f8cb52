package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/callqa/callqa/lexicon"
)

// TestDeployManifests: the Kubernetes manifests in deploy/ are valid YAML,
// run callqa as an Indexed Job (so each pod gets its shard from the
// environment), and the team lexicon they mount loads on the default.
func TestDeployManifests(t *testing.T) {
	files, err := filepath.Glob("../../deploy/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("deploy manifests: %v %v", files, err)
	}
	jobs := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		switch doc["kind"] {
		case "CronJob":
			job := doc["spec"].(map[string]any)["jobTemplate"].(map[string]any)["spec"].(map[string]any)
			checkJob(t, f, job, string(data))
			jobs++
		case "Job":
			checkJob(t, f, doc["spec"].(map[string]any), string(data))
			jobs++
		case "ConfigMap":
			team := doc["data"].(map[string]any)["team.yaml"].(string)
			lex, err := lexicon.Parse("team.yaml", []byte(team))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			def, _ := lexicon.Default()
			if _, err := lexicon.Layer(def, lex); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		default:
			t.Errorf("%s: unexpected kind %v", f, doc["kind"])
		}
	}
	if jobs != 2 {
		t.Errorf("%d jobs, want the CronJob and the Job", jobs)
	}
}

func checkJob(t *testing.T, file string, spec map[string]any, text string) {
	t.Helper()
	if spec["completionMode"] != "Indexed" || spec["completions"] != spec["parallelism"] {
		t.Errorf("%s: not an Indexed Job with one pod per shard: %v", file, spec)
	}
	if !strings.Contains(text, "callqa run") || !strings.Contains(text, "--out \"/data/qa/day=$") {
		t.Errorf("%s: does not run callqa into a day partition", file)
	}
	if strings.Contains(text, "--shard") {
		t.Errorf("%s: --shard overrides the Job's index", file)
	}
}
