# maia-watchdog: build, run, test and install as a systemd service.
#   make run                  install what is missing, run the daemon in dry run with the example policy
#   make test                 install what is missing, run the whole suite (lint, unit and integration,
#                             benchmarks build, end to end on a real systemd); what .ci/run runs
#   make                      release binaries (static Swift runtime) in .build-static/release
#   sudo make install         binaries, units, catalog, sysusers, example policy, empty credentials
#   sudo make uninstall       everything install put in place except /etc/maia-watchdog
# DESTDIR and PREFIX are honoured (PREFIX=/usr/local by default; units always go to the system
# unit directory under DESTDIR, with ExecStart pointing at PREFIX).

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
DOCDIR := $(PREFIX)/share/doc/maia-watchdog
UNITDIR ?= /etc/systemd/system
CATALOGDIR ?= /usr/lib/systemd/catalog
SYSUSERSDIR ?= /usr/lib/sysusers.d
CONFDIR ?= /etc/maia-watchdog
SCRATCH ?= .build-static
SWIFT ?= swift

BINARIES := maia-watchdogd maia-watchdogctl

.PHONY: all build install uninstall run test unit-test e2e-test

all: build

build:
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(SCRATCH) --product maia-watchdogd
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(SCRATCH) --product maia-watchdogctl

# Where `make run` keeps its socket and state (a dry run: nothing is sent to Maia).
RUN_DIR ?= /tmp/maia-watchdog
# Root for the end-to-end suite (it boots a container): directly as root, else through sudo.
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo env PATH="$(PATH)")

run:
	scripts/setup run
	$(SWIFT) run maia-watchdogd --policy config/policy.toml --socket $(RUN_DIR)/control.sock \
		--state-dir $(RUN_DIR)/state --dry-run

test:
	scripts/setup test
	$(MAKE) --no-print-directory unit-test e2e-test

# Format lint, every unit and integration test, and the benchmarks build (CI builds them, never runs them).
unit-test:
	$(SWIFT) format lint --strict --recursive Sources Tests Benchmarks
	$(SWIFT) test
	$(SWIFT) build --product maia-watchdog-bench
	cc -O2 -Wall -Wextra -Werror -pthread -o .build/echo-server Benchmarks/echo-server.c

# Boots systemd 252 + journald under systemd-nspawn (root tree cached in /var/cache); needs root.
e2e-test:
	$(AS_ROOT) timeout 900 Tests/EndToEnd/run.sh

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)
	# Stripped: the debug info would make maia-watchdogd about 140 MB.
	for b in $(BINARIES); do install -s -m 0755 $(SCRATCH)/release/$$b $(DESTDIR)$(BINDIR)/$$b; done
	sed 's|/usr/local/bin/|$(BINDIR)/|g; s|/usr/local/share/doc/|$(PREFIX)/share/doc/|g' systemd/maia-watchdog.service \
		> $(DESTDIR)$(UNITDIR)/maia-watchdog.service
	sed 's|/usr/local/share/doc/|$(PREFIX)/share/doc/|g' systemd/maia-watchdog.socket \
		> $(DESTDIR)$(UNITDIR)/maia-watchdog.socket
	chmod 0644 $(DESTDIR)$(UNITDIR)/maia-watchdog.service $(DESTDIR)$(UNITDIR)/maia-watchdog.socket
	install -m 0644 systemd/maia-watchdog.catalog $(DESTDIR)$(CATALOGDIR)/maia-watchdog.catalog
	install -m 0644 systemd/maia-watchdog.sysusers $(DESTDIR)$(SYSUSERSDIR)/maia-watchdog.conf
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -d -m 0755 $(DESTDIR)$(CONFDIR)
	install -d -m 0700 $(DESTDIR)$(CONFDIR)/credentials
	# The example policy (dry run) only if none is there; credentials created empty, never overwritten.
	[ -e $(DESTDIR)$(CONFDIR)/policy.toml ] || install -m 0644 config/policy.toml $(DESTDIR)$(CONFDIR)/policy.toml
	for c in maia-token maia-client-id maia-client-secret; do \
		[ -e $(DESTDIR)$(CONFDIR)/credentials/$$c ] || install -m 0600 /dev/null $(DESTDIR)$(CONFDIR)/credentials/$$c; \
	done
	if [ -z "$(DESTDIR)" ]; then \
		systemd-sysusers maia-watchdog.conf 2>/dev/null || systemd-sysusers; \
		journalctl --update-catalog; \
		systemctl daemon-reload; \
	fi

uninstall:
	-if [ -z "$(DESTDIR)" ]; then systemctl disable --now maia-watchdog.socket maia-watchdog.service; fi
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(BINARIES))
	rm -f $(DESTDIR)$(UNITDIR)/maia-watchdog.service $(DESTDIR)$(UNITDIR)/maia-watchdog.socket
	rm -f $(DESTDIR)$(CATALOGDIR)/maia-watchdog.catalog $(DESTDIR)$(SYSUSERSDIR)/maia-watchdog.conf
	rm -rf $(DESTDIR)$(DOCDIR)
	if [ -z "$(DESTDIR)" ]; then journalctl --update-catalog; systemctl daemon-reload; fi
	@echo "kept $(DESTDIR)$(CONFDIR) (policy and credentials) and the state in /var/lib/private/maia-watchdog"
