#!/usr/bin/env bash
# Audio-stage benchmark: one hour of stereo 8 kHz call audio, callqa's audio
# stage (an audio-only `callqa run`) against ffmpeg's silencedetect on the same
# file, in the same run, alternating, RUNS times each. Prints the medians, the
# ratio and callqa's peak memory. Targets (issue 3): callqa at least 2x faster
# than ffmpeg silencedetect, under 64 MB peak RSS; since the streaming detector
# (issue 13) chose accuracy, at least as fast as ffmpeg and never below 5,000x
# real time. Then prints the speech detector's accuracy on the real labelled
# clips in ../shared/fixtures/speech (TestFixtures), when they are there.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
WORK=${WORK:-/tmp/callqa-bench}
mkdir -p "$WORK"

if ! command -v ffmpeg >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg time
fi

[ -f "$WORK/hour.wav" ] || go run ./testdata/gen -long 3600 -out "$WORK/hour.wav"
make -s build

measure() { # prints "seconds kilobytes": wall time to the microsecond, peak RSS
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1
  local end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b - a}') $(cat "$WORK/time.txt")"
}
: > "$WORK/ffmpeg.txt"; : > "$WORK/callqa.txt"
for _ in $(seq "$RUNS"); do
  measure ffmpeg -nostats -hide_banner -i "$WORK/hour.wav" -af silencedetect=noise=-30dB:d=0.5 -f null - >> "$WORK/ffmpeg.txt"
  measure bin/callqa run "$WORK/hour.wav" --out "$WORK/out" >> "$WORK/callqa.txt"
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ff=$(cut -d' ' -f1 < "$WORK/ffmpeg.txt" | median)
cq=$(cut -d' ' -f1 < "$WORK/callqa.txt" | median)
rss=$(cut -d' ' -f2 < "$WORK/callqa.txt" | sort -n | tail -1)
awk -v ff="$ff" -v cq="$cq" -v rss="$rss" -v runs="$RUNS" 'BEGIN {
  ratio = ff / cq
  printf "audio stage, 1 h stereo 8 kHz, median of %d runs each:\n", runs
  printf "  ffmpeg silencedetect  %6.3f s  (%6.0f x real time)\n", ff, 3600 / ff
  printf "  callqa run            %6.3f s  (%6.0f x real time), peak RSS %.1f MB\n", cq, 3600 / cq, rss / 1024
  printf "  callqa runs at %.2fx the speed of ffmpeg silencedetect (target 1x): %s\n", ratio, (ratio >= 1 ? "met" : "MISSED")
  printf "  %.0f x real time (floor 5,000x): %s\n", 3600 / cq, (3600 / cq >= 5000 ? "met" : "MISSED")
  printf "  peak memory %.1f MB (target < 64 MB): %s\n", rss / 1024, (rss < 65536 ? "met" : "MISSED")
}'

if [ -d ../shared/fixtures/speech ]; then
  echo
  echo "speech detection on ../shared/fixtures/speech (10 ms frames against the hand labels):"
  go test -count=1 -run '^TestFixtures$' -v ./pipeline/stage/vad | grep -E '^\s+(fixtures_test.go:[0-9]+: |clip|pooled)' | sed -E 's/^\s+fixtures_test.go:[0-9]+: /  /'
fi
