#!/usr/bin/env bash
# Batch benchmark (issue 6): a night of 200 five-minute stereo 8 kHz calls with
# transcripts. Times the whole callqa pipeline with 1 and 2 workers (calls/s,
# x real time, peak RSS), and in the same rounds ffmpeg silencedetect over the
# same files with 1 and 2 parallel processes: ffmpeg's own 2-process speed-up
# is the reference for how well this machine scales at that moment.
# Targets: callqa (2 workers) takes less wall time than ffmpeg's silence
# detection alone with 2 processes; 2 workers give at least 1.8x the
# throughput of 1 (median of the rounds' ratios; each round runs everything
# once, in turn, so that all see the same machine). 1 worker also runs pinned
# to one core (taskset): unpinned, it borrows the idle second core for
# jieba's dictionary build, so the pinned run is the one-core baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/callqa-bench}
CALLS=${CALLS:-200}
SECONDS_EACH=${SECONDS_EACH:-300}
ROUNDS=${ROUNDS:-5}
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
ffmpeg_all() { # $1: parallel processes
  local start=$EPOCHREALTIME
  ls "$batch"/*.wav | xargs -P "$1" -I{} ffmpeg -nostats -hide_banner -i {} -af silencedetect=noise=-30dB:d=0.5 -f null - 2>/dev/null
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.3f\n", b - a}'
}
: > "$WORK/rounds.txt"
for r in $(seq "$ROUNDS"); do
  one=$(measure bin/callqa run "$batch" --out "$WORK/out1" --workers 1)
  two=$(measure bin/callqa run "$batch" --out "$WORK/out2" --workers 2)
  pin=$(measure taskset -c 0 bin/callqa run "$batch" --out "$WORK/out1" --workers 1)
  ff1=$(ffmpeg_all 1)
  ff2=$(ffmpeg_all 2)
  echo "$one $two $ff1 $ff2 ${pin%% *}" >> "$WORK/rounds.txt" # s1 kb1 s2 kb2 ff1 ff2 pinned
  echo "round $r: callqa 1 worker ${one%% *} s (pinned to one core ${pin%% *} s), 2 workers ${two%% *} s; ffmpeg 1 process $ff1 s, 2 processes $ff2 s" >&2
done
awk -v n="$CALLS" -v len="$SECONDS_EACH" '
  function median(a, k,   i, j, t) { # sorts a[1..k] in place
    for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
  }
  { k++; s1[k] = $1; s2[k] = $3; f1[k] = $5; f2[k] = $6
    sc[k] = $1 / $3; fc[k] = $5 / $6; vs[k] = $3 / $6; p1[k] = $7; pc[k] = $7 / $3
    rss = ($2 > rss ? $2 : rss); rss = ($4 > rss ? $4 : rss) }
  END {
    audio = n * len
    one = median(s1, k); two = median(s2, k); ff1 = median(f1, k); ff2 = median(f2, k)
    printf "batch: %d calls of %d s (%.1f h of stereo 8 kHz audio, with transcripts), medians of %d rounds\n", n, len, audio / 3600, k
    printf "  callqa, 1 worker     %7.2f s  %6.1f calls/s  %7.0f x real time\n", one, n / one, audio / one
    pin = median(p1, k)
    printf "  callqa, 1 worker on one core (taskset) %7.2f s  %6.1f calls/s\n", pin, n / pin
    printf "  callqa, 2 workers    %7.2f s  %6.1f calls/s  %7.0f x real time  (peak RSS %.0f MB)\n", two, n / two, audio / two, rss / 1024
    printf "  ffmpeg silencedetect, 1 process    %7.2f s\n", ff1
    printf "  ffmpeg silencedetect, 2 processes  %7.2f s\n", ff2
    lo = 1e9; hi = 0; for (i = 1; i <= k; i++) { lo = (sc[i] < lo ? sc[i] : lo); hi = (sc[i] > hi ? sc[i] : hi) }
    speedup = median(sc, k)
    printf "  2 workers / 1 worker, throughput: %.2fx (rounds %.2f-%.2f; target 1.8x): %s\n", speedup, lo, hi, (speedup >= 1.8 ? "met" : "MISSED")
    printf "  2 workers / 1 worker on one core: %.2fx\n", median(pc, k)
    printf "  reference: ffmpeg 2 processes / 1 process: %.2fx\n", median(fc, k)
    ratio = median(vs, k)
    printf "  callqa (2 workers) vs ffmpeg alone (2 processes): %.2fx the time (target < 1): %s\n", ratio, (ratio < 1 ? "met" : "MISSED")
  }' "$WORK/rounds.txt"
