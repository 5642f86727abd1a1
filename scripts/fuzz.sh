#!/bin/sh
# fuzz.sh FUZZTIME PKG FUZZ: runs one fuzz target for FUZZTIME.
#
# The fuzzing engine can end a run with "context deadline exceeded" and no
# failing input when the time is up while a worker is still minimizing a new
# interesting input: that is no finding, so the run is tried once more. Any
# run that writes a failing input fails.
set -u
time=$1 pkg=$2 target=$3
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for attempt in 1 2; do
	if ${GO:-go} test -run '^$' -fuzz "^$target\$" -fuzztime "$time" -fuzzminimizetime 1s "$pkg" >"$log" 2>&1; then
		exit 0
	fi
	if grep -q 'Failing input written' "$log" || ! grep -q 'context deadline exceeded' "$log"; then
		break
	fi
	echo "fuzz $pkg $target: the engine timed out without a finding (attempt $attempt)"
done
cat "$log"
exit 1
