#!/usr/bin/env bash
# Start-up benchmark (issue 22): one transcript-only call checked in a fresh
# process, `callqa run c1.json --out o`, five times. Prints the best wall time
# and the peak RSS (the highest of the five), beside the figure with gojieba
# (issue 22: 0.74 s and 222 MB on this machine). Targets: at most 0.4 s (best
# of 5) and 120 MB. Then times lexicon lint of 100,000 generated rules.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/callqa-bench}/startup
RUNS=${RUNS:-5}
mkdir -p "$WORK/in"
if [ ! -x /usr/bin/time ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time
fi
cp testdata/calls/clean.json "$WORK/in/c1.json"
make -s build
: > "$WORK/runs.txt"
for _ in $(seq "$RUNS"); do
  rm -rf "$WORK/out"
  start=$EPOCHREALTIME
  /usr/bin/time -f "%M" -o "$WORK/time.txt" bin/callqa run "$WORK/in/c1.json" --out "$WORK/out" >/dev/null 2>&1
  end=$EPOCHREALTIME
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.4f", b - a}') $(cat "$WORK/time.txt")" >> "$WORK/runs.txt"
done
sort -n "$WORK/runs.txt" | awk -v runs="$RUNS" '
  NR == 1 { best = $1 } { rss = ($2 > rss ? $2 : rss) }
  END {
    printf "one transcript-only call in a fresh process, %d runs:\n", runs
    printf "  callqa run  best %.3f s, peak RSS %.1f MB   (with gojieba, 2026-12-06: 0.74 s, 222 MB)\n", best, rss / 1024
    printf "  wall at most 0.4 s: %s; RSS at most 120 MB: %s\n", (best <= 0.4 ? "met" : "MISSED"), (rss <= 120 * 1024 ? "met" : "MISSED")
  }'

# Lint of a generated lexicon of 100,000 rules (issue 22: at most 5 s; the
# pairwise lint took 58 s for 60,000).
[ -f "$WORK/lex100k.yaml" ] || go run ./testdata/gen -lexicon 100000 -out "$WORK/lex100k.yaml"
start=$EPOCHREALTIME
bin/callqa lexicon lint --lexicon "$WORK/lex100k.yaml" > "$WORK/lint.txt" 2>&1 || true
end=$EPOCHREALTIME
awk -v a="$start" -v b="$end" -v n="$(wc -l < "$WORK/lint.txt")" 'BEGIN {
  s = b - a
  printf "callqa lexicon lint, 100,000 generated rules: %.2f s, %d findings (target at most 5 s: %s)\n", s, n, (s <= 5 ? "met" : "MISSED")
}'
