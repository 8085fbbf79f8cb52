# callqa — make targets. `make demo` runs the main job on the sample calls;
# `make test` runs the tests.
GO       ?= go
BIN      := bin/callqa
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
DEMO_OUT ?= out/demo

.PHONY: build test race vet fmt lint bench golden demo fuzz clean samples e2e image model

# Pure Go and statically linked (CGO_ENABLED=0): with cgo, net's resolver
# links libc, whose threads and malloc arenas reserve address space (8 MB
# stacks, 64 MB arenas) until a batch scheduler's ulimit -v kills the run.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/callqa

# The whole suite. A cold run compiles every package once (the scripts' callqa
# reuses the test build's packages).
test:
	$(GO) test ./...

# The whole suite again under the race detector (CI runs it after make test;
# it compiles every package a second time, with -race).
race:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

lint: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	$(GO) mod tidy -diff

# One transcript-only call's start-up (bench/startup.sh), the Go benchmarks
# of every stage (BenchmarkHour runs the audio stage and ffmpeg
# silencedetect side by side when ffmpeg is installed), after the whole CLI
# against ffmpeg on one hour of audio, speech detection against WebRTC VAD
# and Silero on the real labelled clips (where bench/vadref is installed with
# npm) and the text stage against Python jieba (apt installs what the others
# compare against).
bench:
	bash bench/startup.sh
	bash bench/audio.sh
	bash bench/decode.sh
	bash bench/vadref.sh
	bash bench/text.sh
	bash bench/batch.sh
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Brief fuzzing of every parser. Budgets are counts of runs, not durations:
# a duration races the fuzzing engine's own deadline in Go 1.26 and fails with
# "context deadline exceeded" and no input (golang/go#75804). FUZZSCALE
# multiplies them.
FUZZSCALE ?= 1
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzOpen -fuzztime $$((200000 * $(FUZZSCALE)))x ./pipeline/stage/decode
	$(GO) test -run '^$$' -fuzz FuzzFLAC -fuzztime $$((50000 * $(FUZZSCALE)))x -fuzzminimizetime 200x ./pipeline/stage/decode
	$(GO) test -run '^$$' -fuzz FuzzMP3 -fuzztime $$((20000 * $(FUZZSCALE)))x -fuzzminimizetime 200x ./pipeline/stage/decode
	$(GO) test -run '^$$' -fuzz FuzzVorbis -fuzztime $$((50000 * $(FUZZSCALE)))x -fuzzminimizetime 200x ./pipeline/stage/decode
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $$((100000 * $(FUZZSCALE)))x ./pipeline/stage/transcript
	$(GO) test -run '^$$' -fuzz FuzzCut -fuzztime $$((50000 * $(FUZZSCALE)))x ./internal/jieba
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $$((10000 * $(FUZZSCALE)))x ./lexicon
	$(GO) test -run '^$$' -fuzz FuzzReadUtterances -fuzztime $$((20000 * $(FUZZSCALE)))x ./lexicon/lexcheck
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $$((20000 * $(FUZZSCALE)))x ./pipeline/stage/similar
	$(GO) test -run '^$$' -fuzz FuzzParseManifest -fuzztime $$((50000 * $(FUZZSCALE)))x ./pipeline/source
	$(GO) test -run '^$$' -fuzz FuzzRead -fuzztime $$((20000 * $(FUZZSCALE)))x ./pipeline/sink
	$(GO) test -tags mutations -run TestMutatedRecordings ./pipeline/stage/audio

# The HTML pages in a real browser: installs Debian's chromium when missing,
# and CJK fonts whenever fontconfig knows none (checked on their own: a
# chromium installed before would otherwise leave the screenshots in boxes),
# then opens the report and a call page headless, clicks and zooms, checks
# the key elements and numbers (and that Chinese renders with real glyphs),
# and saves screenshots to out/e2e.
e2e:
	@command -v chromium >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }
	@test -n "$$(fc-list :lang=zh 2>/dev/null)" || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fontconfig fonts-noto-cjk; }
	E2E_OUT=$(CURDIR)/out/e2e $(GO) test -count=1 -tags e2e -run TestBrowser -v ./cmd/callqa

# The container image deploy/*.yaml run, tagged with the release in the
# VERSION file (the manifests name that tag: TestImageMatchesDeploy). Built
# with docker, else podman; push it with `docker push $(IMAGE):$(IMAGE_TAG)`.
IMAGE     ?= registry.example.com/callqa
IMAGE_TAG ?= $(shell cat VERSION)
CONTAINER ?= $(shell command -v docker || command -v podman)
image:
	@test -n "$(CONTAINER)" || { echo "make image needs docker or podman" >&2; exit 1; }
	$(CONTAINER) build --build-arg VERSION=$(IMAGE_TAG) -t $(IMAGE):$(IMAGE_TAG) .

# Regenerate the sample calls (deterministic: a rerun changes nothing).
samples:
	$(GO) run ./testdata/gen

# Retrain the default lexicon's similarity model on the labelled corpus
# (after a change to testdata/lexicon or to the default lexicon).
model:
	$(GO) run ./cmd/callqa lexicon train testdata/lexicon -o lexicon/default.model

# Rewrite golden files after a reviewed change.
golden:
	$(GO) test ./pipeline/stage/transcript -run TestGolden -update
	$(GO) test ./pipeline/view/htmlview -run Golden -update

# Build, then run the nightly job on the bundled sample calls.
demo: build
	$(BIN) run testdata/calls --out $(DEMO_OUT)
	$(BIN) report $(DEMO_OUT) --html $(DEMO_OUT)/report.html
	@echo "Parquet written to $(DEMO_OUT) (calls, hits, intervals and utterances, listed in run.json); open $(DEMO_OUT)/report.html"

clean:
	rm -rf bin out
