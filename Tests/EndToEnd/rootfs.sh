#!/usr/bin/env bash
# Ensures a minimal Debian 12 tree for booting a real systemd under systemd-nspawn, cached on the
# machine (not in the repo). Prints its path. Built once per machine with debootstrap from the
# machine's own configured Debian mirror.
set -euo pipefail
cache=${MAIA_E2E_CACHE:-/var/cache/maia-watchdog-e2e}
# What the daemon needs at run time besides libc (the Swift runtime is bind-mounted by run.sh).
include=systemd,dbus,procps,libsqlite3-0
# The tree is named after its package list, so a change of list makes a new tree.
tree="$cache/bookworm-$(printf %s "$include" | md5sum | cut -c1-8)"
if [ -f "$tree/.complete" ]; then
    echo "$tree"
    exit 0
fi
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { echo "rootfs: no Debian mirror configured" >&2; exit 1; }
rm -rf "$tree.partial"
mkdir -p "$cache"
debootstrap --variant=minbase --include="$include" bookworm "$tree.partial" "$mirror" >&2
rm -rf "$tree"
mv "$tree.partial" "$tree"
touch "$tree/.complete"
echo "$tree"
