#!/usr/bin/env bash
# The first discovery pass over N running tasks (default 1000) at max_requests_per_minute = 900: the daemon (debug
# build) against the stand-in on loopback with N tasks registered, from the daemon's start to its N-th origin read.
# Usage: Benchmarks/discovery-pass.sh [N]. Needs `swift build` first. See docs/performance.md, "Discovery".
n=${1:-1000}; bin=$(cd "$(dirname "$0")/.." && swift build --show-bin-path); d=$(mktemp -d)
$bin/maia-standin --port 0 --token tok --tasks $n > $d/out 2> $d/standin.log & sp=$!
for _ in $(seq 100); do [ -s $d/out ] && break; sleep 0.1; done
base=$(head -1 $d/out); mkdir -p $d/cred; printf tok > $d/cred/maia-token; chmod 600 $d/cred/maia-token
cat > $d/policy.toml <<P
allow = ["*"]
max_runtime = "1h"
[api]
base_url = "$base"
max_requests_per_minute = 900
[discover]
enabled = true
interval = "1h"
P
start=$(date +%s.%N)
CREDENTIALS_DIRECTORY=$d/cred $bin/maia-watchdogd --policy $d/policy.toml --socket $d/c.sock --state-dir $d/state > $d/daemon.log 2>&1 & dp=$!
until [ "$(grep -c 'event=status_read' $d/daemon.log)" -ge $n ]; do sleep 0.2; done
end=$(date +%s.%N)
pages=$(grep -c 'tasks?status=RUNNING' $d/standin.log); reads=$(grep -c 'GET [^ ]*/tasks/[0-9a-f-]* ' $d/standin.log)
echo "n=$n pages=$pages reads=$reads first pass (start to last read) $(awk "BEGIN { print $end - $start }") s"
kill $dp; wait $dp 2>/dev/null; kill $sp; rm -rf $d
