#!/usr/bin/env bash
# Batch benchmark (issue 6): a night of 200 five-minute stereo 8 kHz calls with
# transcripts. Times the whole callqa pipeline with 1 and 2 workers (calls/s,
# x real time, peak RSS), and in the same run ffmpeg silencedetect over the same
# files with 2 parallel processes. Targets: callqa (2 workers) takes less wall
# time than ffmpeg's silence detection alone; 2 workers give at least 1.8x the
# throughput of 1.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/callqa-bench}
CALLS=${CALLS:-200}
SECONDS_EACH=${SECONDS_EACH:-300}
mkdir -p "$WORK"

if ! command -v ffmpeg >/dev/null || [ ! -x /usr/bin/time ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg time
fi

batch="$WORK/batch-$CALLS-$SECONDS_EACH"
[ -d "$batch" ] || go run ./testdata/gen -batch "$CALLS" -seconds "$SECONDS_EACH" -out "$batch"
make -s build
cat "$batch"/*.wav > /dev/null # warm the page cache for everyone alike

measure() { # prints "seconds kilobytes"
  local start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || true
  local end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}') $(cat "$WORK/time.txt")"
}
# The first half of the night, to tell throughput (calls a second once
# running) from the fixed start-up (loading jieba's dictionary).
half="$WORK/batch-half-$CALLS-$SECONDS_EACH"
if [ ! -d "$half" ]; then
  mkdir -p "$half"
  ls "$batch" | head -n $((CALLS / 2 * 2)) | while read -r f; do
    n=${f#call-}; n=${n%%.*}
    [ $((10#$n)) -lt $((CALLS / 2)) ] && ln "$batch/$f" "$half/$f" # hard links: callqa skips symbolic ones
  done
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$WORK/b1.txt"; : > "$WORK/b2.txt"; : > "$WORK/bff.txt"; : > "$WORK/h1.txt"; : > "$WORK/h2.txt"
for _ in 1 2 3; do # alternate, so that all see the same machine
  measure bin/callqa run "$batch" --out "$WORK/out1" --workers 1 >> "$WORK/b1.txt"
  measure bin/callqa run "$batch" --out "$WORK/out2" --workers 2 >> "$WORK/b2.txt"
  measure bin/callqa run "$half" --out "$WORK/outh1" --workers 1 >> "$WORK/h1.txt"
  measure bin/callqa run "$half" --out "$WORK/outh2" --workers 2 >> "$WORK/h2.txt"
  ff_start=$EPOCHREALTIME
  ls "$batch"/*.wav | xargs -P 2 -I{} ffmpeg -nostats -hide_banner -i {} -af silencedetect=noise=-30dB:d=0.5 -f null - 2>/dev/null
  awk -v a="$ff_start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f\n", b - a}' >> "$WORK/bff.txt"
done
one=$(cut -d' ' -f1 < "$WORK/b1.txt" | median)
two=$(cut -d' ' -f1 < "$WORK/b2.txt" | median)
ff=$(median < "$WORK/bff.txt")
h1=$(cut -d' ' -f1 < "$WORK/h1.txt" | median)
h2=$(cut -d' ' -f1 < "$WORK/h2.txt" | median)
rss1=$(cut -d' ' -f2 < "$WORK/b1.txt" | sort -n | tail -1)
rss2=$(cut -d' ' -f2 < "$WORK/b2.txt" | sort -n | tail -1)
awk -v n="$CALLS" -v len="$SECONDS_EACH" -v one="$one" -v two="$two" -v h1="$h1" -v h2="$h2" -v ff="$ff" -v rss1="$rss1" -v rss2="$rss2" 'BEGIN {
  audio = n * len
  printf "batch: %d calls of %d s (%.1f h of stereo 8 kHz audio, with transcripts), median of 3 runs\n", n, len, audio / 3600
  printf "  callqa, 1 worker    %7.2f s  %6.1f calls/s  %7.0f x real time  peak RSS %5.0f MB\n", one, n / one, audio / one, rss1 / 1024
  printf "  callqa, 2 workers   %7.2f s  %6.1f calls/s  %7.0f x real time  peak RSS %5.0f MB\n", two, n / two, audio / two, rss2 / 1024
  printf "  ffmpeg silencedetect, 2 processes  %7.2f s\n", ff
  # Throughput: the second half of the calls over the time they added.
  t1 = (n - int(n / 2)) / (one - h1); t2 = (n - int(n / 2)) / (two - h2)
  printf "  throughput once running: 1 worker %.1f calls/s, 2 workers %.1f calls/s\n", t1, t2
  printf "  2 workers / 1 worker, throughput: %.2fx (target 1.8x): %s\n", t2 / t1, (t2 / t1 >= 1.8 ? "met" : "MISSED")
  printf "  2 workers / 1 worker, whole run with start-up: %.2fx\n", one / two
  printf "  callqa (2 workers) vs ffmpeg alone: %.2fx the time (target < 1): %s\n", two / ff, (two < ff ? "met" : "MISSED")
}'
