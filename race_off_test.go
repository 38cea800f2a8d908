//go:build !race

package retry_test

// raceEnabled tells whether the test binary is built with -race: a plugin
// it opens must be built the same way.
const raceEnabled = false
