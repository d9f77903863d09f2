#!/usr/bin/env bash
# End-to-end suite: boots a real systemd 252 + journald in a container (systemd-nspawn over a
# minimal Debian tree), installs the Debian package there with apt-get, and checks the service as
# systemd runs it; then removes and purges the package and checks what is left.
# Needs root, systemd-container, debootstrap, and the package: `make deb` builds it into
# .build-deb/ (MAIA_E2E_DEB=PATH names another). Prints "e2e: N passed, M failed" and exits
# non-zero if anything failed.
#
# Nothing is built for the container: the package holds the static release binaries (no Swift
# runtime needed there). Only the Maia stand-in runs on the host, from the debug build.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "e2e: ok   - $*"; }
fail() { failed=$((failed + 1)); echo "e2e: FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
abort() { echo "e2e: $*"; echo "e2e: $passed passed, $((failed + 1)) failed"; exit 1; }

deb=${MAIA_E2E_DEB:-$(ls -t .build-deb/maia-watchdog_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -1)}
[ -n "$deb" ] && [ -f "$deb" ] || abort "no package: run make deb first (or set MAIA_E2E_DEB)"
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
version=$(dpkg-deb -f "$deb" Version)
tree=$(Tests/EndToEnd/rootfs.sh) || abort "cannot make the root tree"
swift build --product maia-standin >/dev/null || abort "build failed"
bin=$(swift build --show-bin-path)

work=$(mktemp -d /tmp/maia-e2e.XXXXXX)
name="maia-e2e-$$"
standin_pid=""
nspawn_pid=""
cleanup() {
    [ -n "$nspawn_pid" ] && kill -TERM "$nspawn_pid" 2>/dev/null && wait "$nspawn_pid" 2>/dev/null
    [ -n "$standin_pid" ] && kill -TERM "$standin_pid" 2>/dev/null && wait "$standin_pid" 2>/dev/null
    # The container's own cgroups are left below ours: remove the deepest first.
    find "/sys/fs/cgroup/systemd/$name" "/sys/fs/cgroup/unified/$name" -depth -type d -exec rmdir {} + 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The Maia stand-in on the host's loopback (the container shares the host network).
token="e2e-token-$RANDOM$RANDOM"
# A task that runs only in the stand-in: no client ever hands it over; discovery (5c) finds it.
unseen_task=$(cat /proc/sys/kernel/random/uuid)
"$bin/maia-standin" --port 0 --token "$token" --task "$unseen_task" > "$work/standin.out" 2> "$work/standin.log" &
standin_pid=$!
for _ in $(seq 100); do [ -s "$work/standin.out" ] && break; sleep 0.1; done
base_url=$(head -1 "$work/standin.out")
[ -n "$base_url" ] || { cat "$work/standin.log"; abort "the stand-in did not start"; }

# The policy the checks use, pointed at the stand-in; written into the container after install.
sed -e "s|^region = .*|base_url = \"$base_url\"|" -e 's|^dry_run = true|dry_run = false|' \
    -e 's|^max_runtime = .*|max_runtime = "1h"|' -e 's|^first_check = .*|first_check = "1s"|' \
    config/policy.toml > "$work/policy.toml"

mkdir -p "/sys/fs/cgroup/systemd/$name" "/sys/fs/cgroup/unified/$name"
(
    echo $BASHPID > "/sys/fs/cgroup/systemd/$name/cgroup.procs"
    echo $BASHPID > "/sys/fs/cgroup/unified/$name/cgroup.procs"
    exec systemd-nspawn --register=no --keep-unit --console=pipe -q -D "$tree" -M "$name" --volatile=overlay \
        --bind-ro="$deb:/srv/$(basename "$deb")" --boot
) > "$work/nspawn.log" 2>&1 &
nspawn_pid=$!

container=""
for _ in $(seq 200); do
    container=$(pgrep -P "$nspawn_pid" -x systemd || true)
    [ -n "$container" ] && break
    sleep 0.05
done
[ -n "$container" ] || { cat "$work/nspawn.log"; abort "systemd did not boot"; }
inside() { nsenter -t "$container" -a "$@"; }
# Runs CMD... until it succeeds, for at most SECONDS: for what systemd or the daemon updates after the command that
# caused it has returned (StatusText is coalesced, `systemctl reload` returns once SIGHUP is sent, the journal
# receives entries asynchronously). Returns 1 if CMD never succeeded.
eventually() {
    local seconds=$1; shift
    local end=$(($(date +%s%N) + seconds * 1000000000))
    until "$@"; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.1
    done
}
status_text_has() { inside systemctl show -p StatusText --value maia-watchdog | grep -q "$1"; }
# How many entries of the service's journal carry MESSAGE_ID $1.
journal_count() { inside journalctl -u maia-watchdog -o cat "MESSAGE_ID=$1" 2>/dev/null | wc -l; }
journal_count_above() { [ "$(journal_count "$1")" -gt "$2" ]; }
for _ in $(seq 200); do inside test -S /run/systemd/private 2>/dev/null && break; sleep 0.05; done
inside systemctl is-system-running --wait >/dev/null 2>&1
echo "e2e: booted systemd $(inside systemctl --version | head -1 | cut -d' ' -f2) in $name"

# 0. The package, installed the way an operator does it (no network: its dependencies are in the tree).
apt_get() { inside env DEBIAN_FRONTEND=noninteractive apt-get -y "$@" > "$work/apt.log" 2>&1 || cat "$work/apt.log"; }
package_status() { inside dpkg-query -W -f='${db:Status-Status}' maia-watchdog 2>/dev/null; }
t0=$(date +%s%N)
apt_get install "/srv/$(basename "$deb")"
check "apt-get install ./$(basename "$deb") succeeds in the container ($((($(date +%s%N) - t0) / 1000000)) ms)" \
    [ "$(package_status)" = installed ]
check "the binaries are /usr/bin/maia-watchdogd and maia-watchdogctl, version $version" \
    bash -c "[ \"\$(nsenter -t $container -a /usr/bin/maia-watchdogd --version)\" = '$version' ] && \
        nsenter -t $container -a test -x /usr/bin/maia-watchdogctl"
check "the group maia-watchdog exists (sysusers)" bash -c "nsenter -t $container -a getent group maia-watchdog >/dev/null"
check "maia-watchdog.socket is enabled and active after install" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl is-enabled maia-watchdog.socket)\" = enabled ] && \
        [ \"\$(nsenter -t $container -a systemctl is-active maia-watchdog.socket)\" = active ]"
check "the service is enabled (it starts at boot) but not started by the install (the first request starts it)" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl is-enabled maia-watchdog.service)\" = enabled ] && \
        [ \"\$(nsenter -t $container -a systemctl is-active maia-watchdog.service)\" = inactive ]"
check "the socket listens at /run/maia-watchdog/control.sock (0660, group maia-watchdog)" \
    bash -c "[ \"\$(nsenter -t $container -a stat -c '%a %G' /run/maia-watchdog/control.sock)\" = '660 maia-watchdog' ]"
check "the unit runs /usr/bin/maia-watchdogd" \
    bash -c "nsenter -t $container -a systemctl show -p ExecStart maia-watchdog | grep -q 'path=/usr/bin/maia-watchdogd '"
check "the policy is a conffile, /etc/maia-watchdog/credentials is 0700 root with empty 0600 placeholders" \
    bash -c "nsenter -t $container -a dpkg-query -W -f='\${Conffiles}' maia-watchdog | grep -q '/etc/maia-watchdog/policy.toml' && \
        [ \"\$(nsenter -t $container -a stat -c '%a %U' /etc/maia-watchdog/credentials)\" = '700 root' ] && \
        [ \"\$(nsenter -t $container -a stat -c '%a %U %s' /etc/maia-watchdog/credentials/maia-token)\" = '600 root 0' ]"
check "the journal catalog was updated by systemd's trigger (journalctl --list-catalog)" \
    bash -c "nsenter -t $container -a journalctl --list-catalog 083842190b114820beab6cb253b492c7 | grep -q 'is watched'"
check "man maia-watchdogctl renders" \
    bash -c "nsenter -t $container -a env MANPAGER=cat MANWIDTH=80 man maia-watchdogctl 2>/dev/null | grep -q 'maia-watchdogctl'"
check "man 8 maia-watchdogd renders" \
    bash -c "nsenter -t $container -a env MANPAGER=cat MANWIDTH=80 man 8 maia-watchdogd 2>/dev/null | grep -q -- '--check-state'"
check "man 5 maia-watchdog.policy renders" \
    bash -c "nsenter -t $container -a env MANPAGER=cat MANWIDTH=80 man 5 maia-watchdog.policy 2>/dev/null | grep -q 'max_runtime'"
check "the bash completion loads (zsh and fish files are in place)" \
    bash -c "nsenter -t $container -a bash -c '. /usr/share/bash-completion/completions/maia-watchdogctl && complete -p maia-watchdogctl' >/dev/null && \
        nsenter -t $container -a test -s /usr/share/zsh/vendor-completions/_maia-watchdogd && \
        nsenter -t $container -a test -s /usr/share/fish/vendor_completions.d/maia-watchdogctl.fish"
verify=$(inside systemd-analyze verify /lib/systemd/system/maia-watchdog.service /lib/systemd/system/maia-watchdog.socket 2>&1)
check "systemd-analyze verify of the installed units prints nothing (man: links resolve)" [ -z "$verify" ]
[ -n "$verify" ] && echo "$verify"
score=$(inside systemd-analyze security --offline=true /lib/systemd/system/maia-watchdog.service 2>/dev/null | sed -n 's/.*exposure level for maia-watchdog.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security of the installed unit: exposure $score <= 1.5" \
    bash -c "nsenter -t $container -a systemd-analyze security --offline=true --threshold=15 /lib/systemd/system/maia-watchdog.service >/dev/null 2>&1"

# 1. Socket activation with the packaged example policy (a dry run: no credentials needed), then
# the policy and the credential the checks need, written into /etc/maia-watchdog, and a restart.
status_out=$(inside maia-watchdogctl --timeout 10 --json status 2>&1)
check "the first request starts the service with the example policy (dry run, no credentials)" \
    bash -c "grep -q '\"ok\":true' <<< '$status_out' && grep -q '\"dry_run\":true' <<< '$status_out'"
inside sh -c 'cat > /etc/maia-watchdog/policy.toml' < "$work/policy.toml"
printf '%s' "$token" | inside sh -c 'umask 077; cat > /etc/maia-watchdog/credentials/maia-token'
check "maia-watchdogd --check accepts the written policy" \
    bash -c "nsenter -t $container -a maia-watchdogd --check --policy /etc/maia-watchdog/policy.toml >/dev/null"
# systemd's usual shape for services, soft below hard (this container inherits 20000:20000).
inside mkdir -p /run/systemd/system/maia-watchdog.service.d
inside sh -c 'printf "[Service]\nLimitNOFILE=1024:8192\n" > /run/systemd/system/maia-watchdog.service.d/nofile.conf'
inside systemctl daemon-reload
inside systemctl restart maia-watchdog
check "after the restart the service enforces (not a dry run) with the credential" \
    bash -c "nsenter -t $container -a maia-watchdogctl --timeout 10 --json status | grep -q '\"dry_run\":false'"

task=$(cat /proc/sys/kernel/random/uuid)
started=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
# The client's pid as the daemon sees it (SO_PEERCRED, in the container's pid namespace): the shell prints its own
# and execs the client in its place.
watch_out=$(inside sh -c 'echo "pid $$"; exec maia-watchdogctl --timeout 10 --json watch "$1" --started-at "$2"' sh \
    "$task" "$started" 2>&1)
watch_pid=$(sed -n 's/^pid \([0-9]*\)$/\1/p' <<< "$watch_out" | head -1)
check "a watch through the socket is accepted" grep -q '"ok":true' <<< "$watch_out"
check "the service is active under Type=notify" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl is-active maia-watchdog.service)\" = active ]"
main_pid=$(inside systemctl show -p MainPID --value maia-watchdog)
nofile=$(inside cat "/proc/$main_pid/limits" | awk '/^Max open files/ { print $4 " " $5 }')
check "the daemon raised its soft open-file limit 1024 to the hard one (soft hard: $nofile)" \
    [ "$nofile" = "8192 8192" ]

# 2. The overdue task is stopped against the stand-in, and the stop is confirmed: the stand-in answers the first
# read after its 204 STOPPING and the next STOPPED (first_check = 1s: reads at +1 s and +3 s).
stopped=""
for _ in $(seq 300); do
    state=$(inside maia-watchdogctl --timeout 10 --json status "$task" 2>/dev/null | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p')
    [ "$state" = stopped ] && { stopped=yes; break; }
    sleep 0.1
done
check "the task passed its deadline, was stopped (204) and Maia confirmed it: state stopped (got ${state:-none})" \
    [ -n "$stopped" ]
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
# status_read (MESSAGE_ID 0a90ce3a…) carries the status Maia reported; stop_confirmed (ea0449d4…) follows.
check "journal: the reads are status_read events with MAIA_TASK_STATUS=STOPPING, then STOPPED" \
    bash -c "grep '\"MAIA_EVENT\":\"status_read\"' <<< '$journal' | grep -q '\"MAIA_TASK_STATUS\":\"STOPPING\"' &&
        grep '\"MESSAGE_ID\":\"0a90ce3a9b964129a43515aedeecb368\"' <<< '$journal' | grep -q '\"MAIA_TASK_STATUS\":\"STOPPED\"'"
check "journal: the confirmation is a stop_confirmed event with MAIA_STATE=stopped" \
    bash -c "grep '\"MESSAGE_ID\":\"ea0449d408e44ccfa4e8e5414ba4f362\"' <<< '$journal' | grep -q '\"MAIA_STATE\":\"stopped\"'"
watch_entry=$(grep '"MESSAGE_ID":"083842190b114820beab6cb253b492c7"' <<< "$journal")
names_its_peer() {
    [ -n "$watch_pid" ] && grep -q '"MAIA_PEER_UID":"0"' <<< "$watch_entry" &&
        grep -q "\"MAIA_PEER_PID\":\"$watch_pid\"" <<< "$watch_entry"
}
check "journal: the watch names its peer (MAIA_PEER_UID=0, MAIA_PEER_PID=${watch_pid:-?}, the client's pid)" names_its_peer
# Entries of $journal with MESSAGE_ID $1 that carry MAIA_ATTEMPT=$2.
attempt_in() { grep "\"MESSAGE_ID\":\"$1\"" <<< "$journal" | grep -q "\"MAIA_ATTEMPT\":\"$2\""; }
check "journal: the stop attempt carries MAIA_ATTEMPT=1" attempt_in c3543f7080e947f990f0a0069afe5a39 1
check "journal: the stop result carries MAIA_ATTEMPT=1" attempt_in 7e4fbe12318d47edaaf5fe96a477d72f 1
check "journal: no secret in any entry" bash -c "! nsenter -t $container -a journalctl -o json | grep -q '$token'"

# 4. StatusText.
# STATUS= is coalesced to about one a second: wait (bounded) for the latest one.
status_ok=""
for _ in $(seq 50); do
    status_text=$(inside systemctl show -p StatusText --value maia-watchdog)
    grep -q 'stopped 1' <<< "$status_text" && grep -q 'last stop .* 204' <<< "$status_text" \
        && { status_ok=yes; break; }
    sleep 0.1
done
check "StatusText reports the counts and the last stop ($status_text)" [ -n "$status_ok" ]

# 5. Reload: a valid policy applies; a bad one is refused and the service keeps running.
# `systemctl reload` returns once ExecReload has sent SIGHUP, before the daemon has reloaded: each check waits
# (bounded) for what that reload, and not an earlier one, produces.
policy_loaded=6a826aa79b4245b4bfc1391678739aac
policy_rejected=e091fee8048c4a91a23da9654a3b8b01
is_active() { [ "$(inside systemctl is-active maia-watchdog)" = active ]; }
loaded_before=$(journal_count $policy_loaded)
# A policy_loaded entry newer than the ones before the reload, with its MAIA_EVENT.
reload_logged() {
    journal_count_above $policy_loaded "$loaded_before" &&
        inside journalctl -u maia-watchdog -o json MESSAGE_ID=$policy_loaded | tail -1 |
        grep -q '"MAIA_EVENT":"policy_loaded"'
}
inside sed -i 's|^max_runtime = .*|max_runtime = "2h"|' /etc/maia-watchdog/policy.toml
inside systemctl reload maia-watchdog
check "systemctl reload applies a valid policy (StatusText says so)" eventually 10 status_text_has 'policy reloaded'
check "journal: the reload is a policy_loaded event (MESSAGE_ID $policy_loaded, MAIA_EVENT)" eventually 10 reload_logged
second=$(cat /proc/sys/kernel/random/uuid)
limit=$(inside maia-watchdogctl --timeout 10 --json watch "$second" | sed -n 's/.*"max_runtime_s":\([0-9]*\).*/\1/p')
check "a watch after the reload gets the new limit (7200 s, got $limit)" [ "$limit" = 7200 ]
forget_out=$(inside maia-watchdogctl --timeout 10 --json forget "$second" 2>&1)
check "forget of the second task answers its record, forgotten" grep -q '"state":"forgotten"' <<< "$forget_out"
forget_logged() {
    inside journalctl -u maia-watchdog -o json "MAIA_TASK_ID=$second" MESSAGE_ID=b37d3676c8464c0dbea8024ab5cfedf8 |
        grep '"MAIA_EVENT":"forget"' | grep -q '"MAIA_PEER_UID":"0"'
}
check "journal: the forget is a forget event for that task (MESSAGE_ID b37d3676…, MAIA_EVENT, its peer)" \
    eventually 10 forget_logged
inside cp /etc/maia-watchdog/policy.toml /root/policy.toml.good
rejected_before=$(journal_count $policy_rejected)
# A policy_rejected entry newer than the ones before the reload.
refusal_logged() { journal_count_above $policy_rejected "$rejected_before"; }
echo 'max_runtime = "forever"' | inside sh -c 'cat > /etc/maia-watchdog/policy.toml'
inside systemctl reload maia-watchdog
check "a bad policy is refused (StatusText says so)" eventually 10 status_text_has 'new policy refused'
check "the service stays active after the refused reload" is_active
refusal_names_the_key() {
    refusal_logged &&
        inside journalctl -u maia-watchdog MESSAGE_ID=$policy_rejected -o cat | grep -q 'policy.toml:1: max_runtime'
}
check "the refusal is in the journal with its line and key" eventually 10 refusal_names_the_key
# The two bytes that aborted the old TOML parser, and with it the daemon: now a refused reload, and
# a failed start that tells systemd why (exit 78, ERRNO=22). StatusText already says "refused" since the
# reload before: this reload's own journal entry is what shows that it has been handled.
rejected_before=$(journal_count $policy_rejected)
printf '[\n' | inside sh -c 'cat > /etc/maia-watchdog/policy.toml'
inside systemctl reload maia-watchdog
check "a reload of the policy '[' + newline is refused (a new refusal in the journal, StatusText says so)" \
    eventually 10 refusal_logged
check "StatusText says the new policy is refused" status_text_has 'new policy refused'
check "the daemon lives on after that reload" is_active
inside systemctl restart maia-watchdog 2>/dev/null
check "a start with that policy fails with exit 78 and ERRNO=22 (EINVAL) for systemd" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl show -p ExecMainStatus --value maia-watchdog)\" = 78 ] && \
        [ \"\$(nsenter -t $container -a systemctl show -p StatusErrno --value maia-watchdog)\" = 22 ]"
inside cp /root/policy.toml.good /etc/maia-watchdog/policy.toml
inside systemctl reset-failed maia-watchdog
inside systemctl start maia-watchdog

# 5b. The breaker: with max_stops = 1, two overdue tasks make one stop call and one held task; the journal has
# breaker_open at PRIORITY=2 with its catalog text, `systemctl status` says "breaker open", and release lets the
# held task go.
breaker_open=6ac076b4add24c1f81e8b304455a9159
inside sed -i 's|^max_stops = .*|max_stops = 1|' /etc/maia-watchdog/policy.toml
loaded_before=$(journal_count $policy_loaded)
inside systemctl reload maia-watchdog
check "a reload turns the breaker on (max_stops = 1)" eventually 10 reload_logged
long_ago=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)
for _ in 1 2; do
    inside maia-watchdogctl --timeout 10 watch "$(cat /proc/sys/kernel/random/uuid)" --started-at "$long_ago" >/dev/null
done
held_count() { inside maia-watchdogctl --timeout 10 --json list --state held | grep -o '"state":"held"' | wc -l; }
one_held() { [ "$(held_count)" = 1 ]; }
check "two overdue tasks with max_stops = 1: one is held" eventually 10 one_held
breaker_crit() {
    inside journalctl -u maia-watchdog -o json MESSAGE_ID=$breaker_open | grep -q '"PRIORITY":"2"'
}
check "journal: breaker_open (MESSAGE_ID $breaker_open) at PRIORITY=2" eventually 10 breaker_crit
status_says_open() { inside systemctl status maia-watchdog --no-pager 2>/dev/null | grep -q 'Status: "breaker open'; }
check "systemctl status shows the StatusText 'breaker open, …'" eventually 10 status_says_open
check "journalctl -x explains what to do (the catalog's text)" \
    bash -c "nsenter -t $container -a journalctl -x -u maia-watchdog MESSAGE_ID=$breaker_open --no-pager | grep -q 'What to do: check the policy'"
release_out=$(inside maia-watchdogctl --timeout 10 release 2>&1)
check "maia-watchdogctl release lets the held task go ($release_out)" grep -q '1 held task released' <<< "$release_out"
none_held() { [ "$(held_count)" = 0 ] && ! status_text_has 'breaker open'; }
check "after the release nothing is held and StatusText no longer says breaker open" eventually 10 none_held
inside sed -i 's|^max_stops = .*|max_stops = 0|' /etc/maia-watchdog/policy.toml
inside systemctl reload maia-watchdog

# 5c. Discovery: a reload turns it on; the task registered only in the stand-in (its limit 2s) is found in Maia's
# list of running tasks, watched with source "discovery" and no requester, stopped and confirmed, with no client
# ever writing to the socket about it.
discovered_id=dbed3870ac9d4ceab6edfa290c1a75ad
inside sed -i -e '/^\[discover\]/,/^\[/ s|^enabled = .*|enabled = true|' -e '/^\[discover\]/,/^\[/ s|^interval = .*|interval = "2s"|' \
    -e "s|^\\[limits\\].*|&\\n\"$unseen_task\" = \"2s\"|" /etc/maia-watchdog/policy.toml
check "maia-watchdogd --check accepts the policy with [discover] enabled" \
    bash -c "nsenter -t $container -a maia-watchdogd --check --policy /etc/maia-watchdog/policy.toml | grep -q 'discovery         every 2s'"
loaded_before=$(journal_count $policy_loaded)
inside systemctl reload maia-watchdog
check "a reload turns discovery on" eventually 10 reload_logged
unseen_state() {
    inside maia-watchdogctl --timeout 10 --json status "$unseen_task" 2>/dev/null | sed -n 's/.*"state":"\([a-z_]*\)".*/\1/p'
}
unseen_stopped() { [ "$(unseen_state)" = stopped ]; }
check "the task only the stand-in knows is discovered, stopped and confirmed: state stopped" \
    eventually 30 unseen_stopped
unseen_out=$(inside maia-watchdogctl --timeout 10 --json status "$unseen_task" 2>&1)
check "its record says source discovery, requested_by null" \
    bash -c "grep -q '\"source\":\"discovery\"' <<< '$unseen_out' && grep -q '\"requested_by\":null' <<< '$unseen_out'"
check "the stand-in was asked for the list of running tasks and got the stop" \
    bash -c "grep -q 'GET [^ ]*/v1/ai/agents/tasks[? ]' '$work/standin.log' && grep -q '/v1/ai/agents/tasks/$unseen_task/stop' '$work/standin.log'"
check "journal: event discovered (MESSAGE_ID $discovered_id) with MAIA_TASK_ID" \
    bash -c "nsenter -t $container -a journalctl -u maia-watchdog -o json MESSAGE_ID=$discovered_id | grep -q '\"MAIA_TASK_ID\":\"$unseen_task\"'"
discovery_out=$(inside maia-watchdogctl --timeout 10 --json status 2>&1)
check "status shows discovery enabled with a last pass and no error" \
    bash -c "grep -q '\"discovery\":{\"enabled\":true,\"last_pass_at\":\"' <<< '$discovery_out' && grep -q '\"last_error\":null' <<< '$discovery_out'"
inside sed -i -e '/^\[discover\]/,/^\[/ s|^enabled = .*|enabled = false|' /etc/maia-watchdog/policy.toml
loaded_before=$(journal_count $policy_loaded)
inside systemctl reload maia-watchdog
check "a reload turns discovery off again" eventually 10 reload_logged

# 5d. Metrics: the metrics verb counts what happened so far; [metrics] listen (read at start) serves /metrics on
# loopback from inside the unit's sandbox, unchanged.
metrics_out=$(inside maia-watchdogctl --timeout 10 metrics 2>&1)
stops_counted() {
    grep -Eq '^maia_watchdog_task_ends_total\{state="stopped"\} [1-9][0-9]*$' <<< "$metrics_out" &&
        grep -Eq '^maia_watchdog_stop_attempts_total\{(status="204",result="stop_requested"|result="stop_requested",status="204")\} [1-9]' <<< "$metrics_out"
}
check "maia-watchdogctl metrics counts the confirmed stops and their 204s" stops_counted
inside bash -c 'grep -q "^listen = " /etc/maia-watchdog/policy.toml || printf "\n[metrics]\nlisten = \"\"\n" >> /etc/maia-watchdog/policy.toml'
inside sed -i 's|^listen = .*|listen = "127.0.0.1:9464"|' /etc/maia-watchdog/policy.toml
inside systemctl restart maia-watchdog
scrape() { inside bash -c 'exec 3<>/dev/tcp/127.0.0.1/9464 && printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && cat <&3'; }
served() { scrape | grep -q '^maia_watchdog_tasks{state="stopped"} [1-9]'; }
check "after a restart, /metrics on 127.0.0.1:9464 answers from under the sandbox (the stopped tasks counted)" \
    eventually 10 served

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
check "the first task's record survived the restarts (durable state under DynamicUser): stopped, confirmed" \
    bash -c "nsenter -t $container -a maia-watchdogctl --timeout 10 --json status $task | grep -q '\"state\":\"stopped\"'"

# 7. Stop: STOPPING, clean exit, the socket stays for the next start.
inside systemctl stop maia-watchdog.service 2>/dev/null
check "the service stops cleanly (Result=success)" \
    bash -c "[ \"\$(nsenter -t $container -a systemctl show -p Result --value maia-watchdog)\" = success ]"
check "the socket survives a stop of the service" inside test -S /run/maia-watchdog/control.sock

# 8. An upgrade (the same package again): the running service is restarted, the edited policy kept.
inside systemctl start maia-watchdog.service
pid_before=$(inside systemctl show -p MainPID --value maia-watchdog.service)
apt_get install --reinstall "/srv/$(basename "$deb")"
pid_after=$(inside systemctl show -p MainPID --value maia-watchdog.service)
check "a reinstall (upgrade path) restarts the running service (MainPID $pid_before -> $pid_after) and keeps the edited policy" \
    bash -c "[ '$pid_after' != 0 ] && [ '$pid_after' != '$pid_before' ] && \
        nsenter -t $container -a grep -q '^base_url = ' /etc/maia-watchdog/policy.toml && \
        [ \"\$(nsenter -t $container -a systemctl is-active maia-watchdog.socket)\" = active ]"

# 9. Remove: both units stopped, the conffile, the credentials and the state kept.
apt_get remove maia-watchdog
check "apt-get remove leaves the package in config-files" [ "$(package_status)" = config-files ]
check "after remove, the service and the socket are stopped and the socket file is gone" \
    bash -c "! nsenter -t $container -a systemctl is-active --quiet maia-watchdog.service && \
        ! nsenter -t $container -a systemctl is-active --quiet maia-watchdog.socket && \
        ! nsenter -t $container -a test -e /run/maia-watchdog/control.sock"
check "after remove, the binaries, units and man pages are gone" \
    bash -c "! nsenter -t $container -a test -e /usr/bin/maia-watchdogd && \
        ! nsenter -t $container -a test -e /lib/systemd/system/maia-watchdog.service && \
        ! nsenter -t $container -a man -w maia-watchdogctl >/dev/null 2>&1"
check "after remove, the edited policy and the credential are kept" \
    bash -c "nsenter -t $container -a grep -q '^base_url = ' /etc/maia-watchdog/policy.toml && \
        nsenter -t $container -a test -s /etc/maia-watchdog/credentials/maia-token"
check "after remove, the state is kept (/var/lib/maia-watchdog -> /var/lib/private/maia-watchdog)" \
    bash -c "nsenter -t $container -a test -L /var/lib/maia-watchdog && \
        nsenter -t $container -a test -f /var/lib/private/maia-watchdog/tasks.sqlite3"
check "after remove, the catalog no longer has the package's entries" \
    bash -c "! nsenter -t $container -a journalctl --list-catalog 083842190b114820beab6cb253b492c7 2>/dev/null | grep -q 'is watched'"

# 10. Purge: the state, the configuration and the enablement go; the group stays (as Debian does).
apt_get purge maia-watchdog
check "apt-get purge leaves no trace in dpkg's database" bash -c "[ -z \"\$(nsenter -t $container -a dpkg-query -W -f='\${db:Status-Status}' maia-watchdog 2>/dev/null | grep -v not-installed)\" ]"
check "after purge, /var/lib/private/maia-watchdog and the /var/lib/maia-watchdog link are gone" \
    bash -c "! nsenter -t $container -a test -e /var/lib/private/maia-watchdog && \
        ! nsenter -t $container -a test -L /var/lib/maia-watchdog && ! nsenter -t $container -a test -e /var/lib/maia-watchdog"
check "after purge, /etc/maia-watchdog (conffile, credentials) is gone" \
    bash -c "! nsenter -t $container -a test -e /etc/maia-watchdog"
check "after purge, the socket's enablement is gone" \
    bash -c "! nsenter -t $container -a test -e /etc/systemd/system/sockets.target.wants/maia-watchdog.socket && \
        ! nsenter -t $container -a test -L /etc/systemd/system/sockets.target.wants/maia-watchdog.socket"
check "after purge, the group maia-watchdog stays" bash -c "nsenter -t $container -a getent group maia-watchdog >/dev/null"

if [ "$failed" -gt 0 ]; then
    echo "--- service journal"; inside journalctl -u maia-watchdog -o short-precise --no-pager | tail -40
    echo "--- stand-in"; tail -20 "$work/standin.log"
fi
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
