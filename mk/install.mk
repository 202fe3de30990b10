# SPDX-License-Identifier: GPL-2.0
# make install, man pages, make deb (docs/install.md). Included from the Makefile;
# written against $(OUTPUT)/uevscope, not against the source lists.

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
DATADIR		?= $(PREFIX)/share/uevscope
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR	?= $(PREFIX)/share/zsh/site-functions
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSCONFDIR	?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
SCDOC		?= scdoc
INSTALL		?= install

MAN_SRCS  := $(wildcard docs/man/*.scd)
MAN_PAGES := $(patsubst docs/man/%.scd,$(OUTPUT)/man/%,$(MAN_SRCS))
UNITS	  := $(wildcard deploy/systemd/*.service)

.PHONY: man install uninstall deb

man: $(MAN_PAGES)

$(OUTPUT)/man/%: docs/man/%.scd
	@mkdir -p $(@D)
	$(SCDOC) < $< > $@

# One clear line when the target cannot be written, before anything is copied.
install: $(OUTPUT)/uevscope $(MAN_PAGES)
	@d="$(DESTDIR)$(PREFIX)"; \
	err=$$( { mkdir -p "$$d" && t=$$(mktemp -p "$$d" .uevscope-install.XXXXXX) && \
		rm -f "$$t"; } 2>&1 >/dev/null) || { \
		echo "uevscope: cannot install into $$d ($${err##*: }): run 'sudo make install'" \
			"or set PREFIX or DESTDIR to a writable place" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(DATADIR)/grafana $(DESTDIR)$(DATADIR)/prometheus \
		$(DESTDIR)$(DATADIR)/kubernetes
	$(INSTALL) -m 0755 $(OUTPUT)/uevscope $(DESTDIR)$(SBINDIR)/uevscope
	$(INSTALL) -m 0644 $(filter %.8,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 0644 $(filter %.5,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 0644 completion/uevscope.bash $(DESTDIR)$(BASHCOMPDIR)/uevscope
	$(INSTALL) -m 0644 completion/_uevscope $(DESTDIR)$(ZSHCOMPDIR)/_uevscope
	for u in $(UNITS); do \
		sed 's|/usr/sbin/uevscope|$(SBINDIR)/uevscope|; s|/etc/uevscope|$(SYSCONFDIR)/uevscope|g' \
			$$u > $(DESTDIR)$(UNITDIR)/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$u) || exit 1; \
	done
	$(INSTALL) -m 0644 deploy/policy.example $(DESTDIR)$(DATADIR)/policy.example
	$(INSTALL) -m 0644 deploy/grafana/uevscope.json $(DESTDIR)$(DATADIR)/grafana/
	$(INSTALL) -m 0644 deploy/kubernetes/prometheus-rules.yaml \
		deploy/kubernetes/prometheus-scrape.yaml $(DESTDIR)$(DATADIR)/prometheus/
	$(INSTALL) -m 0644 deploy/kubernetes/daemonset.yaml $(DESTDIR)$(DATADIR)/kubernetes/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/uevscope $(DESTDIR)$(BASHCOMPDIR)/uevscope \
		$(DESTDIR)$(ZSHCOMPDIR)/_uevscope \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(filter %.8,$(MAN_PAGES)))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(filter %.5,$(MAN_PAGES)))) \
		$(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	rm -rf $(DESTDIR)$(DATADIR)

# The Debian package, built from a copy of the tree in $(OUTPUT)/deb/src, so that
# dpkg-buildpackage's output lands in $(OUTPUT)/deb and not beside the checkout.
DEB_DIR := $(OUTPUT)/deb
deb:
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	tar -c --exclude=./.git --exclude=./$(OUTPUT) --exclude='./build*' . | tar -x -C $(DEB_DIR)/src
	# Without our make's variables: make puts those of its command line in the
	# environment, and debhelper's "make clean" with OUTPUT=$(OUTPUT) would remove it.
	cd $(DEB_DIR)/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u OUTPUT \
		-u PREFIX -u DESTDIR dpkg-buildpackage -b -us -uc
	rm -rf $(DEB_DIR)/src
	lintian --fail-on error,warning $(DEB_DIR)/*.changes
	@ls $(DEB_DIR)/*.deb
