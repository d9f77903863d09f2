#!/usr/bin/env bash
# The benchmarks of docs/performance.md, in one command from a fresh clone:
#   Benchmarks/run.sh [maia-watchdog-bench options, e.g. --tasks 20000 --idle-seconds 10]
# Builds the release binaries the way `make` does (static Swift runtime, .build-static), the echo
# server that is the intake limit, installs wrk if missing, then runs every scenario against the
# real daemon and prints a table (also written to .build-static/bench-results.md).
# Takes about 10 minutes after the build; needs nothing else from the machine.
# The burst scenario (5,000 stops under the 900/min rate limit, without and with confirming
# reads, a daemon each at the same time) runs only when named, `Benchmarks/run.sh --only burst`:
# about 11 minutes, most of it waiting on the rate limit.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v cc >/dev/null || need+=(gcc)
dpkg -s libsystemd-dev >/dev/null 2>&1 || need+=(libsystemd-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
if [ ${#need[@]} -gt 0 ]; then
    echo "bench: installing ${need[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

scratch=.build-static
for product in maia-watchdogd maia-watchdog-bench; do
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product "$product"
done
cc -O2 -pthread -o "$scratch/release/echo-server" Benchmarks/echo-server.c

# Everything the daemon writes (its state's fsyncs included) goes under /tmp, or $BENCH_DIR.
work="${BENCH_DIR:-$(mktemp -d /tmp/maia-watchdog-bench.XXXXXX)}"
ulimit -n 4096
echo "bench: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"
echo "bench: work directory $work ($(df -T "$work" | awk 'NR==2 {print $2}') on $(df "$work" | awk 'NR==2 {print $1}'))"
"$scratch/release/maia-watchdog-bench" \
    --daemon "$scratch/release/maia-watchdogd" \
    --echo-server "$scratch/release/echo-server" \
    --wrk "$(command -v wrk)" \
    --work-directory "$work" \
    --output "$scratch/bench-results.md" \
    "$@"
rm -rf "$work"
