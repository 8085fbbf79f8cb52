#!/usr/bin/env bash
# Audio-stage benchmark: 2-hour stereo 8 kHz calls of three kinds, callqa's
# audio stage (an audio-only `callqa run`) against ffmpeg's silencedetect on
# the same file, in the same run, alternating, RUNS times each. Prints the
# medians, the share of ffmpeg's time callqa takes and callqa's peak memory.
# Targets (issue 21): at most 0.5x ffmpeg's time on every kind, under 64 MB
# peak RSS. Then prints the speech detector's accuracy on the real labelled
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

# Three kinds of 2-hour stereo 8 kHz call (issue 21): the synthetic voices;
# real labelled speech taking turns with exact zeros between words (the
# clips of ../shared/fixtures/speech, read where they are; without them, the
# synthetic voices with steady noise stand in); and the same real speech with
# steady background at -43 dBFS on the customer's line.
SPEECH=../shared/fixtures/speech
[ -f "$WORK/synthetic.wav" ] || go run ./testdata/gen -long 7200 -out "$WORK/synthetic.wav"
if [ -d "$SPEECH" ]; then
  [ -f "$WORK/digital-silence.wav" ] || go run ./testdata/gen -long 7200 -speech "$SPEECH" -digital-silence -out "$WORK/digital-silence.wav"
  [ -f "$WORK/steady-noise.wav" ] || go run ./testdata/gen -long 7200 -speech "$SPEECH" -noise-dbfs -43 -out "$WORK/steady-noise.wav"
  KINDS="synthetic digital-silence steady-noise"
else
  [ -f "$WORK/steady-noise.wav" ] || go run ./testdata/gen -long 7200 -noise-dbfs -43 -out "$WORK/steady-noise.wav"
  KINDS="synthetic steady-noise"
fi
make -s build

measure() { # prints "seconds kilobytes": wall time to the microsecond, peak RSS
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1
  local end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b - a}') $(cat "$WORK/time.txt")"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for kind in $KINDS; do
  wav="$WORK/$kind.wav"
  : > "$WORK/ffmpeg.txt"; : > "$WORK/callqa.txt"
  for _ in $(seq "$RUNS"); do
    measure ffmpeg -nostats -hide_banner -i "$wav" -af silencedetect=noise=-30dB:d=0.5 -f null - >> "$WORK/ffmpeg.txt"
    measure bin/callqa run "$wav" --out "$WORK/out" >> "$WORK/callqa.txt"
  done
  ff=$(cut -d' ' -f1 < "$WORK/ffmpeg.txt" | median)
  cq=$(cut -d' ' -f1 < "$WORK/callqa.txt" | median)
  rss=$(cut -d' ' -f2 < "$WORK/callqa.txt" | sort -n | tail -1)
  awk -v kind="$kind" -v ff="$ff" -v cq="$cq" -v rss="$rss" -v runs="$RUNS" 'BEGIN {
    share = cq / ff
    printf "audio only, 2 h stereo 8 kHz, %s, median of %d runs each:\n", kind, runs
    printf "  ffmpeg silencedetect  %6.3f s  (%6.0f x real time)\n", ff, 7200 / ff
    printf "  callqa run            %6.3f s  (%6.0f x real time), peak RSS %.1f MB\n", cq, 7200 / cq, rss / 1024
    printf "  callqa takes %.2fx ffmpeg silencedetect'"'"'s time (target at most 0.5x): %s\n", share, (share <= 0.5 ? "met" : "MISSED")
    printf "  peak memory %.1f MB (target < 64 MB): %s\n", rss / 1024, (rss < 65536 ? "met" : "MISSED")
  }'
done

if [ -d ../shared/fixtures/speech ]; then
  echo
  echo "speech detection on ../shared/fixtures/speech (10 ms frames against the hand labels):"
  go test -count=1 -run '^TestFixtures$' -v ./pipeline/stage/vad | grep -E '^\s+(fixtures_test.go:[0-9]+: |clip|pooled)' | sed -E 's/^\s+fixtures_test.go:[0-9]+: /  /'
  echo
  echo "talk time and overtalk on stereo calls mixed from the labelled speech (pipeline/stage/vad/speechmix), by customer-line background:"
  CALLQA_MIXED_REPORT=1 go test -count=1 -run '^TestMixedCallsReport$' -v ./pipeline/stage/audio | grep -E '^\s{8}' | sed -E 's/^\s{8}/  /'
fi
