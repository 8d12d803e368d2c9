#!/usr/bin/env bash
# Benchmark: bellows against Squawk on the same files, in the same run.
#
#   benches/compare.sh [RUNS]        (default 5 paired runs; medians reported)
#
# Inputs: every *.sql file of ../shared/corpus, one synthetic ~50 MB file built from the
# corpus, and one small file (the pre-commit case). Needs: python3 (benches/run.py starts
# and times each run) and, for the comparison, `squawk` (pip install squawk-cli;
# SQUAWK=path picks the binary).
# Reports wall time, files/s, MB/s and peak memory (max RSS), and the Squawk/bellows ratios.
set -euo pipefail
# One decimal separator for awk.
export LC_ALL=C
cd "$(dirname "$0")/.."
runs=${1:-5}
corpus=../shared/corpus
[ -d "$corpus" ] || { echo "benches/compare.sh: $corpus is missing" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3: apt-get install python3" >&2; exit 2; }

cargo build --release --quiet
bellows=${CARGO_TARGET_DIR:-$PWD/target}/release/bellows
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t files < <(find "$corpus" -name '*.sql' -type f | LC_ALL=C sort)
nfiles=${#files[@]}
bytes=$(cat "${files[@]}" | wc -c)

# ~50 MB: the corpus files concatenated until the size is reached.
big="$work/big.sql"
while [ "$(stat -c %s "$big" 2>/dev/null || echo 0)" -lt 50000000 ]; do
  cat "${files[@]}" >> "$big"
  printf ';\n' >> "$big"
done
bigbytes=$(stat -c %s "$big")
small=fixtures/demo/0001_contact_required.sql

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { awk -v c="$1" '{print $c}' "$work/$2" | median; }

# Squawk's binary itself: under pyenv, `squawk` on the PATH is a shim, a bash script that
# runs pyenv before the binary and adds about 0.1 s to every run, which is not Squawk's.
have_squawk=0
squawk=${SQUAWK:-}
if [ -z "$squawk" ] && command -v pyenv >/dev/null; then
  squawk=$(pyenv which squawk 2>/dev/null || true)
fi
[ -z "$squawk" ] && squawk=$(command -v squawk || true)
[ -n "$squawk" ] && have_squawk=1

# Each input's runs together, the tools alternating, after one unmeasured run of each (a
# 50 MB run between two corpus runs pushes the corpus out of the page cache and makes the
# next corpus run pay for reading it from disk). benches/run.py starts and times every run;
# it appends "wall_seconds max_rss_kb" to $work/<tool>_<input>.
printf '%s\n' "${files[@]}" > "$work/corpus.args"
printf '%s\n' "$big" > "$work/big.args"
for input in corpus big; do
  tools=(bellows_$input "$(printf %q "$bellows") check --format json")
  [ $have_squawk = 1 ] && tools+=(squawk_$input "$(printf %q "$squawk") --reporter json")
  python3 benches/run.py "$runs" "$work" "$work/$input.args" "${tools[@]}"
done
# One small file, as a pre-commit hook starts it: 20 runs timed with nanosecond stamps.
for _ in $(seq 20); do
  t0=$(date +%s%N); "$bellows" check --format json "$small" > /dev/null || true; t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000 ))" >> "$work/small_us"
done

report() { # name label nfiles bytes
  local wall rss
  wall=$(col 1 "$1"); rss=$(col 2 "$1")
  awk -v n="$2" -v f="$3" -v b="$4" -v w="$wall" -v r="$rss" 'BEGIN {
    w = (w > 0) ? w : 0.001;
    printf "%-18s %8.3f s  %9.0f files/s  %7.2f MB/s  peak %6.1f MB\n", n, w, f / w, b / w / 1e6, r / 1024 }'
}
echo "median of $runs paired runs; corpus: $nfiles files, $bytes bytes; synthetic: $bigbytes bytes"
[ $have_squawk = 1 ] && echo "squawk: $squawk ($("$squawk" --version 2>/dev/null || echo 'version unknown'))"
report bellows_corpus "bellows corpus" "$nfiles" "$bytes"
[ $have_squawk = 1 ] && report squawk_corpus "squawk corpus" "$nfiles" "$bytes"
report bellows_big "bellows 50MB" 1 "$bigbytes"
[ $have_squawk = 1 ] && report squawk_big "squawk 50MB" 1 "$bigbytes"
awk -v us="$(median < "$work/small_us")" 'BEGIN { printf "%-18s %8.1f ms (median of 20, process start included)\n", "bellows one file", us / 1000 }'
if [ $have_squawk = 1 ]; then
  for set in corpus big; do
    awk -v sw="$(col 1 squawk_$set)" -v bw="$(col 1 bellows_$set)" -v sm="$(col 2 squawk_$set)" -v bm="$(col 2 bellows_$set)" -v s="$set" \
      'BEGIN { bw = (bw > 0) ? bw : 0.001; printf "ratio %-6s        squawk/bellows wall %.2fx, peak memory bellows/squawk %.2f\n", s, sw / bw, bm / sm }'
  done
else
  echo "squawk not found (pip install squawk-cli): no comparison"
fi
