#!/usr/bin/env bash
# End-to-end suite: boots a real systemd 252 + journald in a container (systemd-nspawn over a
# minimal Debian tree), installs maia-watchdog's units, and checks the service as systemd runs it.
# Needs root, systemd-container and debootstrap. Prints "e2e: N passed, M failed" and exits
# non-zero if anything failed.
#
# The daemon runs as the debug build with the toolchain's runtime bind-mounted read-only at its
# RUNPATH (/opt/swift/...), so no second (static) build is needed here; `make install` builds the
# static release binaries that a real host uses.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "e2e: ok   - $*"; }
fail() { failed=$((failed + 1)); echo "e2e: FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

tree=$(Tests/EndToEnd/rootfs.sh) || { echo "e2e: cannot make the root tree"; echo "e2e: 0 passed, 1 failed"; exit 1; }
swift build --product maia-watchdogd >/dev/null && swift build --product maia-watchdogctl >/dev/null \
    && swift build --product maia-standin >/dev/null || { echo "e2e: build failed"; echo "e2e: 0 passed, 1 failed"; exit 1; }
bin=$(swift build --show-bin-path)
runtime=$(readelf -d "$bin/maia-watchdogd" | sed -n 's/.*RUNPATH.*\[\([^:]*\).*/\1/p')

work=$(mktemp -d /tmp/maia-e2e.XXXXXX)
name="maia-e2e-$$"
standin_pid=""
nspawn_pid=""
cleanup() {
    [ -n "$nspawn_pid" ] && kill -TERM "$nspawn_pid" 2>/dev/null && wait "$nspawn_pid" 2>/dev/null
    [ -n "$standin_pid" ] && kill -TERM "$standin_pid" 2>/dev/null && wait "$standin_pid" 2>/dev/null
    rmdir "/sys/fs/cgroup/systemd/$name" "/sys/fs/cgroup/unified/$name" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The Maia stand-in on the host's loopback (the container shares the host network).
token="e2e-token-$RANDOM$RANDOM"
"$bin/maia-standin" --port 0 --token "$token" > "$work/standin.out" 2> "$work/standin.log" &
standin_pid=$!
for _ in $(seq 100); do [ -s "$work/standin.out" ] && break; sleep 0.1; done
base_url=$(head -1 "$work/standin.out")
[ -n "$base_url" ] || { echo "e2e: the stand-in did not start"; cat "$work/standin.log"; exit 1; }

# /etc/maia-watchdog as `make install` lays it out, pointed at the stand-in.
mkdir -p "$work/etc/credentials"
sed -e "s|^region = .*|base_url = \"$base_url\"|" -e 's|^dry_run = true|dry_run = false|' \
    -e 's|^max_runtime = .*|max_runtime = "1h"|' config/policy.toml > "$work/etc/policy.toml"
printf '%s' "$token" > "$work/etc/credentials/maia-token"
: > "$work/etc/credentials/maia-client-id"
: > "$work/etc/credentials/maia-client-secret"
chmod 0700 "$work/etc/credentials"; chmod 0600 "$work/etc/credentials/"*
sed "s|/usr/local/bin/|/usr/local/bin/|" systemd/maia-watchdog.service > "$work/maia-watchdog.service"

mkdir -p "/sys/fs/cgroup/systemd/$name" "/sys/fs/cgroup/unified/$name"
(
    echo $BASHPID > "/sys/fs/cgroup/systemd/$name/cgroup.procs"
    echo $BASHPID > "/sys/fs/cgroup/unified/$name/cgroup.procs"
    exec systemd-nspawn --register=no --keep-unit --console=pipe -q -D "$tree" -M "$name" --volatile=overlay \
        --bind-ro="$bin/maia-watchdogd:/usr/local/bin/maia-watchdogd" \
        --bind-ro="$bin/maia-watchdogctl:/usr/local/bin/maia-watchdogctl" \
        --bind-ro="$runtime:$runtime" \
        --bind-ro="$work/maia-watchdog.service:/etc/systemd/system/maia-watchdog.service" \
        --bind-ro="$root/systemd/maia-watchdog.socket:/etc/systemd/system/maia-watchdog.socket" \
        --bind-ro="$root/systemd/maia-watchdog.catalog:/usr/lib/systemd/catalog/maia-watchdog.catalog" \
        --bind-ro="$root/systemd/maia-watchdog.sysusers:/usr/lib/sysusers.d/maia-watchdog.conf" \
        --bind="$work/etc:/etc/maia-watchdog" \
        --boot
) > "$work/nspawn.log" 2>&1 &
nspawn_pid=$!

container=""
for _ in $(seq 200); do
    container=$(pgrep -P "$nspawn_pid" -x systemd || true)
    [ -n "$container" ] && break
    sleep 0.05
done
[ -n "$container" ] || { echo "e2e: systemd did not boot"; cat "$work/nspawn.log"; echo "e2e: 0 passed, 1 failed"; exit 1; }
inside() { nsenter -t "$container" -a "$@"; }
for _ in $(seq 200); do inside test -S /run/systemd/private 2>/dev/null && break; sleep 0.05; done
inside systemctl is-system-running --wait >/dev/null 2>&1
echo "e2e: booted systemd $(inside systemctl --version | head -1 | cut -d' ' -f2) in $name"

inside systemd-sysusers >/dev/null 2>&1
inside journalctl --update-catalog >/dev/null 2>&1
inside systemctl daemon-reload

# 1. Socket activation: the socket unit alone, then the first client starts the service.
check "the socket unit listens at /run/maia-watchdog/control.sock (0660, group maia-watchdog)" \
    bash -c "$(declare -f inside); container=$container; inside systemctl start maia-watchdog.socket && \
        [ \"\$(inside stat -c '%a %G' /run/maia-watchdog/control.sock)\" = '660 maia-watchdog' ]"
task=$(cat /proc/sys/kernel/random/uuid)
started=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
watch_out=$(inside maia-watchdogctl --timeout 10 --json watch "$task" --started-at "$started" 2>&1)
check "a watch through the socket unit is accepted (service started on demand)" \
    grep -q '"ok":true' <<< "$watch_out"
check "the service is active under Type=notify" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl is-active maia-watchdog.service)\" = active ]"

# 2. The overdue task is stopped against the stand-in.
stopped=""
for _ in $(seq 100); do
    state=$(inside maia-watchdogctl --timeout 10 --json status "$task" 2>/dev/null | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p')
    [ "$state" = stop_requested ] && { stopped=yes; break; }
    sleep 0.1
done
check "the task passed its deadline and is stop_requested (204 from the stand-in)" [ -n "$stopped" ]
check "the stand-in received the stop call for the task with the credential's token" \
    grep -q "/v1/ai/agents/tasks/$task/stop" "$work/standin.log"

# 3. The journal tells the task's story with fields and MESSAGE_IDs.
inside journalctl --sync 2>/dev/null
journal=$(inside journalctl -u maia-watchdog -o json "MAIA_TASK_ID=$task" 2>/dev/null)
for id in 083842190b114820beab6cb253b492c7 17ba0a72a63840069b426a9ecb28e752 \
    c3543f7080e947f990f0a0069afe5a39 7e4fbe12318d47edaaf5fe96a477d72f; do
    check "journal: MAIA_TASK_ID=$task has MESSAGE_ID $id" grep -q "\"MESSAGE_ID\":\"$id\"" <<< "$journal"
done
check "journal: the stop result carries MAIA_HTTP_STATUS=204 and MAIA_STATE=stop_requested" \
    bash -c "grep '\"MAIA_HTTP_STATUS\":\"204\"' <<< '$journal' | grep -q '\"MAIA_STATE\":\"stop_requested\"'"
check "journal: the watch names its peer (MAIA_PEER_UID, MAIA_PEER_PID)" grep -q '"MAIA_PEER_UID":"0"' <<< "$journal"
check "journal: no secret in any entry" bash -c "! nsenter -t $container -a journalctl -o json | grep -q '$token'"

# 4. StatusText.
# STATUS= is coalesced to about one a second: wait (bounded) for the latest one.
status_ok=""
for _ in $(seq 50); do
    status_text=$(inside systemctl show -p StatusText --value maia-watchdog)
    grep -q 'stop_requested 1' <<< "$status_text" && grep -q 'last stop .* 204' <<< "$status_text" \
        && { status_ok=yes; break; }
    sleep 0.1
done
check "StatusText reports the counts and the last stop ($status_text)" [ -n "$status_ok" ]

# 5. Reload: a valid policy applies; a bad one is refused and the service keeps running.
sed -i 's|^max_runtime = .*|max_runtime = "2h"|' "$work/etc/policy.toml"
inside systemctl reload maia-watchdog
check "systemctl reload applies a valid policy" \
    bash -c "nsenter -t $container -a systemctl show -p StatusText --value maia-watchdog | grep -q 'policy reloaded'"
second=$(cat /proc/sys/kernel/random/uuid)
limit=$(inside maia-watchdogctl --timeout 10 --json watch "$second" | sed -n 's/.*"max_runtime_s":\([0-9]*\).*/\1/p')
check "a watch after the reload gets the new limit (7200 s, got $limit)" [ "$limit" = 7200 ]
echo 'max_runtime = "forever"' > "$work/etc/policy.toml.bad"
cp "$work/etc/policy.toml" "$work/etc/policy.toml.good"
cp "$work/etc/policy.toml.bad" "$work/etc/policy.toml"
inside systemctl reload maia-watchdog
check "a bad policy is refused, the service stays active" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl is-active maia-watchdog)\" = active ] && \
        nsenter -t $container -a systemctl show -p StatusText --value maia-watchdog | grep -q 'new policy refused'"
check "the refusal is in the journal with its line and key" \
    bash -c "nsenter -t $container -a journalctl -u maia-watchdog MESSAGE_ID=e091fee8048c4a91a23da9654a3b8b01 -o cat | grep -q 'policy.toml:1: max_runtime'"
cp "$work/etc/policy.toml.good" "$work/etc/policy.toml"

# 6. A stalled loop is restarted by the watchdog (test-only trigger, short WatchdogSec).
inside mkdir -p /run/systemd/system/maia-watchdog.service.d
inside bash -c 'printf "[Service]\nWatchdogSec=2s\nEnvironment=MAIA_WATCHDOGD_TEST_STALL_AFTER_MS=1500\n" > /run/systemd/system/maia-watchdog.service.d/stall.conf'
inside systemctl daemon-reload
inside systemctl restart maia-watchdog
restarted=""
for _ in $(seq 150); do
    n=$(inside systemctl show -p NRestarts --value maia-watchdog)
    [ "${n:-0}" -ge 1 ] && { restarted=yes; break; }
    sleep 0.1
done
check "the watchdog restarts a stalled daemon (NRestarts=${n:-0})" [ -n "$restarted" ]
check "the journal says the watchdog fired" \
    bash -c "nsenter -t $container -a journalctl -u maia-watchdog -o cat | grep -qi 'watchdog timeout'"
inside rm -f /run/systemd/system/maia-watchdog.service.d/stall.conf
inside systemctl daemon-reload
inside systemctl restart maia-watchdog
check "the tracked tasks are still answered after the restarts" \
    bash -c "nsenter -t $container -a maia-watchdogctl --timeout 10 status >/dev/null"
check "the first task's record survived the restarts (durable state under DynamicUser)" \
    bash -c "nsenter -t $container -a maia-watchdogctl --timeout 10 --json status $task | grep -q '\"state\":\"stop_requested\"'"

# 7. Stop: STOPPING, clean exit, the socket stays for the next start.
inside systemctl stop maia-watchdog.service
check "the service stops cleanly (Result=success)" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl show -p Result --value maia-watchdog)\" = success ]"
check "the socket survives a stop of the service" inside test -S /run/maia-watchdog/control.sock

# 8. The unit files themselves.
score=$(systemd-analyze security --offline=true systemd/maia-watchdog.service 2>/dev/null | sed -n 's/.*exposure level for maia-watchdog.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security: exposure $score <= 1.5" \
    systemd-analyze security --offline=true --threshold=15 systemd/maia-watchdog.service
cp systemd/maia-watchdog.socket "$work/maia-watchdog.socket"
sed -i "s|/usr/local/bin/maia-watchdogd|$bin/maia-watchdogd|" "$work/maia-watchdog.service"
verify=$(cd "$work" && systemd-analyze verify ./maia-watchdog.service ./maia-watchdog.socket 2>&1)
check "systemd-analyze verify prints nothing" [ -z "$verify" ]
[ -n "$verify" ] && echo "$verify"

if [ "$failed" -gt 0 ]; then
    echo "--- service journal"; inside journalctl -u maia-watchdog -o short-precise --no-pager | tail -40
    echo "--- stand-in"; tail -20 "$work/standin.log"
fi
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
