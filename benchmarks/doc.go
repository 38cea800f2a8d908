// Package benchmarks measures kaioretry side by side with the retry
// libraries Go programmers pick instead, on the same operation and
// scenarios. It is a module of its own, so that the library's go.mod never
// depends on its competitors.
//
// Run ./compare.sh for interleaved rounds, a benchstat table and a ratio
// table; `go test -bench . -benchtime 1x` only checks that every benchmark
// runs. Two programs measure loops that wait: cmd/scale (the memory of many
// waiting loops, and how fast they stop) and cmd/wakeup (how late loops
// wake). README.md tells how to run each, and what they measured.
package benchmarks
