#!/usr/bin/env bash
# Ensures a minimal Debian 12 tree for booting a real systemd under systemd-nspawn, cached on the
# machine (not in the repo). Prints its path. Built once per machine with debootstrap from the
# machine's own configured Debian mirror.
set -euo pipefail
cache=${MAIA_E2E_CACHE:-/var/cache/maia-watchdog-e2e}
# What the package needs in the tree so that `apt-get install ./maia-watchdog_*.deb` needs no
# network: its Depends (libc6, libgcc-s1, libstdc++6, zlib1g and libsystemd0 are in minbase;
# libsqlite3-0 is not), procps for ExecReload='s /bin/kill, and man-db so that `man` renders the
# package's pages. The Swift runtime is linked into the binaries.
include=systemd,dbus,procps,libsqlite3-0,man-db
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
