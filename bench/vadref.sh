#!/usr/bin/env bash
# Speech detection against reference detectors, on the real labelled clips
# in ../shared/fixtures/speech: callqa's detector (TestFixtures) and, where
# they are installed (cd bench/vadref && npm install --ignore-scripts),
# WebRTC VAD in modes 0-3 and Silero, on exactly the same 8 kHz and mu-law
# samples. The references are for this table only, never a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=$(cd ../shared/fixtures/speech 2>/dev/null && pwd) || { echo "no ../shared/fixtures/speech: nothing to measure"; exit 0; }

echo "callqa (pipeline/stage/vad, TestFixtures):"
go test -count=1 -run '^TestFixtures$' -v ./pipeline/stage/vad | grep -E '^\s+(fixtures_test.go:[0-9]+: |clip|pooled|testset)' | sed -E 's/^\s+fixtures_test.go:[0-9]+: /  /'

if ! command -v node >/dev/null || [ ! -d bench/vadref/node_modules ]; then
  echo
  echo "reference detectors not installed: cd bench/vadref && npm install --ignore-scripts"
  exit 0
fi
RAW=$(mktemp -d) # the clips' samples stay outside the repository
trap 'rm -rf "$RAW"' EXIT
CALLQA_VAD_DUMP=$RAW go test -count=1 -run '^TestDumpClips$' ./pipeline/stage/vad >/dev/null
node bench/vadref/ref.mjs "$FIXTURES" "$RAW" 8k,8k-mulaw
