# SPDX-License-Identifier: GPL-2.0
# uevscope: BPF objects -> skeletons -> one loader binary, plus tests and benchmarks.

OUTPUT	?= build
CLANG	?= clang
BPFTOOL	?= bpftool
CC	?= gcc
STRIP	?= llvm-strip

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_DIR := vmlinux/$(ARCH)

CFLAGS	?= -g -O2
CFLAGS	+= -std=gnu11 -Wall -Wextra -Iinclude -Iuser -I$(OUTPUT) -D_GNU_SOURCE
LDLIBS	+= -lbpf -lelf -lz -lncurses -ltinfo -lpthread
# export's HTTP server; the static VM build links export_http_none.c instead.
HTTP_LIBS := -lmicrohttpd
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(VMLINUX_DIR) -Iinclude -Ibpf \
	      -Wall -Wextra -Wno-unused-parameter

BPF_SRCS    := $(wildcard bpf/*.bpf.c)
BPF_OBJS    := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS	    := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))
USER_OBJS   := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(filter-out user/export_http_none.c,$(wildcard user/*.c)))
LIB_OBJS    := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
UNIT_BINS   := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(wildcard tests/unit/test_*.c))
HELPER_BINS := $(patsubst tests/helpers/%.c,$(OUTPUT)/tests/%,$(wildcard tests/helpers/*.c))

.PHONY: all deps test-deps test unit vmtest vmlinux bench format check-format clean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(OUTPUT)/uevscope

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/*.h) $(VMLINUX_DIR)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(STRIP) -g $@.tmp -o $@ 2>/dev/null || mv $@.tmp $@
	@rm -f $@.tmp

$(OUTPUT)/bpf/devices.bpf.o: include/devices_abi.h
# uevscope locks: its own shared header.
$(OUTPUT)/bpf/locks.bpf.o: include/locks.h
$(filter $(OUTPUT)/user/locks%,$(USER_OBJS)): include/locks.h

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) $(wildcard include/*.h) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(patsubst user/%.c,$(OUTPUT)/user/%.o,$(wildcard user/devices*.c)): include/devices_abi.h

$(OUTPUT)/uevscope: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ $(LDLIBS) $(HTTP_LIBS) -o $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(wildcard tests/unit/*.h) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $< $(LIB_OBJS) $(LDLIBS) $(HTTP_LIBS) -o $@

$(OUTPUT)/tests/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@

# Everything the test runner needs, built before any test starts. The VM
# suite comes along where QEMU is installed (make test-deps installs it).
VM_TEST := $(if $(shell command -v qemu-system-x86_64),$(OUTPUT)/vm/initramfs.cpio.gz)
test: $(OUTPUT)/uevscope $(UNIT_BINS) $(HELPER_BINS) $(VM_TEST)
	tests/run.sh $(OUTPUT)

# Unit tests only: no root, no BPF.
unit: $(UNIT_BINS)
	tests/run.sh --unit-only $(OUTPUT)

bench: $(OUTPUT)/uevscope $(HELPER_BINS)
	bench/trace-rate.sh $(OUTPUT)

# The global uevent lock under netns churn and uevent writers (uevscope locks, perf, klockstat).
.PHONY: bench-locks
bench-locks: $(OUTPUT)/uevscope $(HELPER_BINS)
	bench/lock-storm.sh $(OUTPUT)

# uevscope export attached, then scraped 10 times a second, against a baseline.
.PHONY: bench-export
bench-export: $(OUTPUT)/uevscope $(HELPER_BINS)
	bench/export-scrape.sh $(OUTPUT)

# Tests under QEMU on Debian's own kernels (tests/vm/): the tool and the
# helpers linked statically, so the initramfs needs nothing but busybox.
VM_DIR	    := $(OUTPUT)/vm
VM_BINS	    := $(VM_DIR)/uevscope $(patsubst tests/helpers/%.c,$(VM_DIR)/tests/%,$(wildcard tests/helpers/*.c))
VM_FILES    := tests/vm/init tests/vm/vm-tests.sh tests/vm/mkinitramfs.sh tests/integration/lib.sh \
		$(wildcard tests/vm/vm.d/*.sh)

$(VM_DIR)/uevscope: $(filter-out $(OUTPUT)/user/export_http.o,$(USER_OBJS)) \
		    $(OUTPUT)/user/export_http_none.o
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static $^ $(LDLIBS) -o $@

$(VM_DIR)/tests/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static $< -o $@

$(VM_DIR)/initramfs.cpio.gz: $(VM_BINS) $(VM_FILES)
	tests/vm/mkinitramfs.sh $(VM_DIR) $@

# The host's own uevscope only adds its kernel's row to the table.
vmtest: $(VM_DIR)/initramfs.cpio.gz $(OUTPUT)/uevscope
	tests/vm/run.sh $(OUTPUT)

# Debian packages the build and the tests need; installs only what is missing.
# Installs the packages among $(1) that are missing, with apt-get options $(2).
define apt_install
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) \
			$$missing >/dev/null || { echo "uevscope: could not install $$missing (run as root)" >&2; \
			exit 1; }; \
	fi
endef

# deps: what building and tracing need. test-deps adds what only the tests
# use (jq, tmux for top in a terminal, curl, python3-yaml and promtool for the
# exporter and its deployment files, and QEMU with busybox for make vmtest),
# so a host that just traces never gets an emulator. Those of the last line go
# in without their recommendations: qemu would pull in a desktop's worth of
# packages a headless test never uses.
DEPS := make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool iproute2 util-linux libncurses-dev \
	libmicrohttpd-dev
TEST_DEPS := jq tmux curl python3-yaml
# promtool comes with Debian's prometheus; its recommended node exporter is not needed.
TEST_NORECOMMENDS := prometheus
VM_DEPS := qemu-system-x86 busybox-static
deps:
	$(call apt_install,$(DEPS),)

test-deps: deps
	$(call apt_install,$(TEST_DEPS),)
	$(call apt_install,$(TEST_NORECOMMENDS) $(VM_DEPS),--no-install-recommends)

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	@mkdir -p $(VMLINUX_DIR)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX_DIR)/vmlinux.h

FORMAT_SRCS = $(wildcard bpf/*.c bpf/*.h user/*.c user/*.h include/*.h tests/unit/*.c \
		 tests/unit/*.h tests/helpers/*.c)
format:
	clang-format -i $(FORMAT_SRCS)

check-format:
	clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	rm -rf $(OUTPUT)

# make check, asan, fuzz, analyze, shellcheck, verifier-budget (issue 12): mk/check.mk
include mk/check.mk
