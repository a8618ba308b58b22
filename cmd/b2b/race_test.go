//go:build race

package main

// raceEnabled lets the binary test build the binary the way the test itself
// was built, reusing the compiled packages and checking the binary for races.
const raceEnabled = true
