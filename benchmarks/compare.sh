#!/usr/bin/env bash
# Compares kaioretry with its peers, in rounds that are interleaved (each
# round runs every benchmark once), so that the noise of a shared machine
# falls on all of them alike. Prints benchstat's table, then the medians
# with their ratios to the baselines of the same run, and the targets met
# or missed.
#
#   ./compare.sh                    # 8 rounds of 1s per benchmark
#   ROUNDS=12 BENCHTIME=2s ./compare.sh
#
# BENCHTIME is a time, not a count, so that every benchmark gets samples of
# the same length: 300000x, the old default, gave a 4 ns benchmark samples of
# 1.2 ms, too short on a noisy machine (intervals of ±100-300%).
set -euo pipefail
cd "$(dirname "$0")"

rounds=${ROUNDS:-8}
benchtime=${BENCHTIME:-1s}
out=${OUT:-$(mktemp -t kaioretry-bench.XXXXXX)}
benchstat=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

bin=$(mktemp -t kaioretry-bench-bin.XXXXXX)
trap 'rm -f "$bin"' EXIT
go test -c -o "$bin" .

: >"$out"
for round in $(seq "$rounds"); do
	echo "round $round/$rounds" >&2
	"$bin" -test.run '^$' -test.bench . -test.benchtime "$benchtime" -test.benchmem >>"$out"
done

echo "# go test -bench, $rounds interleaved rounds, benchtime $benchtime (raw results: $out)"
go run "$benchstat" "$out"
go run ./cmd/ratios <"$out"
