//go:build !race

package zapredact_test

const raceEnabled = false
