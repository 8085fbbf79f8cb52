#!/usr/bin/env bash
# Speech detection against reference detectors, on the real labelled clips
# in ../shared/fixtures/speech: callqa's detector (TestFixtures) and WebRTC
# VAD in modes 0-3 and Silero (installed into bench/vadref on first use), on
# exactly the same 8 kHz and mu-law samples. The references are for this table only, never a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=$(cd ../shared/fixtures/speech 2>/dev/null && pwd) || { echo "no ../shared/fixtures/speech: nothing to measure"; exit 0; }

echo "callqa (pipeline/stage/vad, TestFixtures):"
go test -count=1 -run '^TestFixtures$' -v ./pipeline/stage/vad | grep -E '^\s+(fixtures_test.go:[0-9]+: |clip|pooled|testset)' | sed -E 's/^\s+fixtures_test.go:[0-9]+: /  /'

# The references install here on first use (issue 21: make bench prints them):
# Node from apt when missing, the two npm packages into bench/vadref.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
fi
if [ ! -d bench/vadref/node_modules ]; then
  (cd bench/vadref && npm install --ignore-scripts --no-audit --no-fund)
fi
RAW=$(mktemp -d) # the clips' samples stay outside the repository
trap 'rm -rf "$RAW"' EXIT
CALLQA_VAD_DUMP=$RAW go test -count=1 -run '^TestDumpClips$' ./pipeline/stage/vad >/dev/null
node bench/vadref/ref.mjs "$FIXTURES" "$RAW" 8k,8k-mulaw
