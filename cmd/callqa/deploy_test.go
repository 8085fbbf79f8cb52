package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// manifest reads one of deploy/*.yaml.
func manifest(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

// dig walks a YAML document by keys and list indexes.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no %q in %v", k, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("no item %d in %v", k, v)
			}
			v = l[k]
		}
	}
	return v
}

// TestCronJobPartitionDate runs the CronJob's shell script as the pod would,
// with a fixed clock (NOW) and a stand-in callqa that prints its arguments:
// at 01:30 in Shanghai on 30 November (17:30 UTC on the 29th, the
// container's clock) the partition is the 29th, not the 28th.
func TestCronJobPartitionDate(t *testing.T) {
	if _, err := os.Stat("/usr/share/zoneinfo/Asia/Shanghai"); err != nil {
		t.Skip("no tzdata on this machine")
	}
	if out, err := exec.Command("date", "-d", "2026-11-29T17:30:00Z - 1 day", "+%F").Output(); err != nil || len(out) == 0 {
		t.Skip("no GNU date")
	}
	doc := manifest(t, "cronjob.yaml")
	container := dig(t, doc, "spec", "jobTemplate", "spec", "template", "spec", "containers", 0)
	script := dig(t, container, "args", 0).(string)
	env := map[string]string{}
	for _, e := range dig(t, container, "env").([]any) {
		env[e.(map[string]any)["name"].(string)] = e.(map[string]any)["value"].(string)
	}
	if zone := dig(t, doc, "spec", "timeZone"); zone != env["CALL_CENTER_TZ"] || zone == "" {
		t.Errorf("the schedule's zone %v and the partition date's %q differ", zone, env["CALL_CENTER_TZ"])
	}
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "callqa"), []byte("#!/bin/sh\nprintf '%s\\n' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	runScript := func(zone, now string) (string, error) {
		cmd := exec.Command("/bin/sh", "-c", script)
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "TZ=UTC", "CALL_CENTER_TZ=" + zone, "NOW=" + now}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, tc := range []struct{ now, day string }{
		{"2026-11-29T17:30:00Z", "2026-11-29"}, // 01:30 on the 30th in Shanghai: the schedule's time
		{"2026-11-30T15:59:00Z", "2026-11-29"}, // 23:59 on the 30th
		{"2026-11-30T16:00:00Z", "2026-11-30"}, // midnight: 1 December
		{"2026-03-01T17:30:00Z", "2026-03-01"}, // 01:30 on 2 March
	} {
		out, err := runScript(env["CALL_CENTER_TZ"], tc.now)
		if err != nil {
			t.Fatalf("NOW=%s: %v\n%s", tc.now, err, out)
		}
		if args := strings.Fields(out); len(args) < 4 || args[0] != "run" || args[1] != "/data/calls/"+tc.day || args[2] != "--out" || args[3] != "/data/qa/day="+tc.day {
			t.Errorf("NOW=%s (UTC): callqa %q, want the partition of %s", tc.now, args, tc.day)
		}
	}
	// Without the zone's data the job stops rather than take UTC's date.
	if out, err := runScript("Nowhere/Atlantis", "2026-11-29T17:30:00Z"); err == nil || strings.Contains(out, "/data/calls") {
		t.Errorf("an unknown zone ran callqa: %v\n%s", err, out)
	}
}

// TestImageMatchesDeploy: the image the manifests run is the one make image
// builds (IMAGE:VERSION), and the Dockerfile builds ./cmd/callqa without
// cgo (a static binary) into a slim runtime whose entrypoint is callqa, with
// the time zones the CronJob needs. The build context the .dockerignore
// leaves must still build (checked with go build, as the image's first
// stage would).
func TestImageMatchesDeploy(t *testing.T) {
	root := filepath.Join("..", "..")
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	version := strings.TrimSpace(read("VERSION"))
	image := regexp.MustCompile(`(?m)^IMAGE\s*\?=\s*(\S+)$`).FindStringSubmatch(read("Makefile"))
	if image == nil || !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(version) {
		t.Fatalf("Makefile IMAGE %v, VERSION %q", image, version)
	}
	want := image[1] + ":" + version
	for _, f := range []string{"cronjob.yaml", "job.yaml"} {
		doc := manifest(t, f)
		spec := dig(t, doc, "spec")
		if doc["kind"] == "CronJob" {
			spec = dig(t, spec, "jobTemplate", "spec")
		}
		pod := dig(t, spec, "template", "spec")
		if got := dig(t, pod, "containers", 0, "image"); got != want {
			t.Errorf("%s runs %v; make image builds %s", f, got, want)
		}
		if user := dig(t, pod, "securityContext", "runAsUser"); user != 10001 {
			t.Errorf("%s runs as %v, the image as 10001", f, user)
		}
	}
	dockerfile := read("Dockerfile")
	for _, re := range []string{
		`(?m)^FROM golang:[\d.]+-(\w+) AS build$`,
		`(?m)^RUN CGO_ENABLED=0 go build .*-o /out/callqa \./cmd/callqa$`,
		`(?m)^FROM debian:\w+-slim$`,
		`(?m)apt-get install .*tzdata`,
		`(?m)^COPY --from=build /out/callqa /usr/local/bin/callqa$`,
		`(?m)^USER 10001:10001$`,
		`(?m)^ENTRYPOINT \["callqa"\]$`,
	} {
		if !regexp.MustCompile(re).MatchString(dockerfile) {
			t.Errorf("Dockerfile: nothing matches %s", re)
		}
	}
	if testing.Short() {
		t.Skip("-short: the build context is not built")
	}
	ctx := t.TempDir()
	ignore := dockerignore(read(".dockerignore"))
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." {
			return nil
		}
		if ignore(filepath.ToSlash(rel)) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(ctx, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(ctx, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{".git", "out", "testdata", "pipeline/stage/audio/testdata"} {
		if _, err := os.Stat(filepath.Join(ctx, gone)); err == nil {
			t.Errorf("the build context holds %s", gone)
		}
	}
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(t.TempDir(), "callqa"), "./cmd/callqa")
	build.Dir = ctx
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("the image's build context does not build: %v\n%s", err, out)
	}
}

// dockerignore is the test of a .dockerignore: whether a path of the
// context (slash-separated) is left out. It knows what this repository's
// file uses: *, ?, a leading **/ and a leading /.
func dockerignore(file string) func(string) bool {
	var res []*regexp.Regexp
	for line := range strings.Lines(file) {
		p := strings.TrimPrefix(strings.TrimSpace(line), "/")
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		expr := regexp.QuoteMeta(p)
		expr = strings.ReplaceAll(expr, `\*\*/`, `(.*/)?`)
		expr = strings.ReplaceAll(expr, `\*`, `[^/]*`)
		expr = strings.ReplaceAll(expr, `\?`, `[^/]`)
		res = append(res, regexp.MustCompile("^"+expr+"$"))
	}
	return func(path string) bool {
		for _, re := range res {
			if re.MatchString(path) {
				return true
			}
		}
		return false
	}
}

// TestImageBuilds builds the image for real where docker or podman can
// (not on the machines this was written on: a docker client, no daemon).
func TestImageBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	tool := ""
	for _, name := range []string{"docker", "podman"} {
		if exec.Command(name, "info").Run() == nil {
			tool = name
			break
		}
	}
	if tool == "" {
		t.Skip("no working docker or podman: the image is checked by TestImageMatchesDeploy only")
	}
	cmd := exec.Command("make", "-C", filepath.Join("..", ".."), "image", "CONTAINER="+tool, "IMAGE=callqa-test", "IMAGE_TAG=test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	out, err := exec.Command(tool, "run", "--rm", "callqa-test:test", "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "test") {
		t.Errorf("callqa --version in the image: %v\n%s", err, out)
	}
}
