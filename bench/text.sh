#!/usr/bin/env bash
# Text-stage benchmark: normalize + segment throughput of callqa against
# Python jieba (Debian's python3-jieba) on the same 2 MB of call-center
# utterances, in the same run. Both cut one utterance at a time with HMM on;
# Python's dictionary load is not timed, nor is callqa's. Target (issue 4):
# callqa at least 10x faster.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-/tmp/callqa-bench}
mkdir -p "$WORK"

if ! /usr/bin/python3 -c 'import jieba' 2>/dev/null; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-jieba
fi

go run ./testdata/gen -corpus 2000000 -out "$WORK/corpus.txt"
cat > "$WORK/jieba_rate.py" <<'PY'
import logging, sys, time
import jieba
jieba.setLogLevel(logging.ERROR)
jieba.initialize()
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
size = sum(len(l.encode("utf-8")) for l in lines)
t = time.perf_counter()
for l in lines:
    list(jieba.cut(l, HMM=True))
print(f"{size / (time.perf_counter() - t) / 1e6:.3f}")
PY
go test -c -o "$WORK/pipeline.test" ./pipeline/
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$WORK/py.txt"; : > "$WORK/go.txt"
for _ in 1 2 3; do # alternate, so that both see the same machine
  /usr/bin/python3 "$WORK/jieba_rate.py" "$WORK/corpus.txt" >> "$WORK/py.txt"
  (cd pipeline && "$WORK/pipeline.test" -test.run '^$' -test.bench 'NormalizeSegment$' -test.benchtime 5x) |
    awk '/MB\/s/ {for (i = 1; i <= NF; i++) if ($i == "MB/s") print $(i-1)}' >> "$WORK/go.txt"
done
py=$(median < "$WORK/py.txt")
go_rate=$(median < "$WORK/go.txt")
awk -v py="$py" -v go="$go_rate" 'BEGIN {
  printf "normalize + segment, 2 MB of utterances, median of 3 runs each:\n"
  printf "  Python jieba (cut, HMM)         %6.2f MB/s\n", py
  printf "  callqa (normalize + jieba, HMM) %6.2f MB/s\n", go
  printf "  callqa is %.1fx faster (target 10x): %s\n", go / py, (go / py >= 10 ? "met" : "MISSED")
}'
