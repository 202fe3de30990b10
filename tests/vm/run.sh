#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Boots Debian's own kernels under QEMU with the test initramfs and runs
# tests/vm/vm-tests.sh in each: the attach tiers the build machine's kernel
# refuses (fentry and kprobe fallbacks, emission records) run there for real.
# Kernels come from Debian's archive through the harness's own apt
# configuration (the newest of each series; sid: the newest kernel there),
# downloaded once into BUILD/vm/kernels/; serial logs stay in BUILD/vm/logs/.
# Each kernel boots twice: SERIES with `bpf` in lsm= (filter picks the LSM
# tier) and SERIES-nolsm without it (filter falls back to socket filters), the
# second running only the enforcement and attack parts (VM_NOLSM_PARTS).
# usage: [VM_KERNELS="5.10 6.1 6.12 sid"] [VM_NOLSM=1|0] [VM_NOLSM_SERIES="6.1 6.12"]
#        [VM_PARTS="A B"] [VM_ACCEL=auto|kvm|tcg] [VM_TCG_THREAD=single|multi]
#        [VM_TIMEOUT=SECS]
#        [VM_START=SECS] [VM_IDLE=SECS] tests/vm/run.sh BUILD_DIR
# Ends with "N passed, N failed, N skipped"; exits 1 on a failure or a VM that
# did not finish.
BUILD=${1:-build}
VM=$BUILD/vm
# 5.10 is back in the matrix (issue 21): its two failures were a real bug that
# 5.10's slow release of an unpinned LSM link exposed (filter flush left the
# other generation's rules in maps that outlive their pins; a device change
# then brought them back) and a test helper that kept the default
# RLIMIT_MEMLOCK, which 5.10 still charges BPF objects to.
SERIES=${VM_KERNELS:-5.10 6.1 6.12 sid}
# The boots: every series as is, then (VM_NOLSM=1, the default) without BPF LSM
# those of VM_NOLSM_SERIES. Four full boots and four -nolsm ones do not fit the
# vm item's 1200 s under TCG on a loaded 2-core machine (a full boot takes
# 300-470 s there): the socket filter tier runs on 6.1 (bpf_loop) and 6.12
# (the bounded evaluator, forced), 5.10 and sid run it through their LSM boots'
# forced rounds only.
BOOTS=$SERIES
if [ "${VM_NOLSM:-1}" = 1 ]; then
	for s in $SERIES; do
		case " ${VM_NOLSM_SERIES:-6.1 6.12} " in
		*" $s "*) BOOTS="$BOOTS $s-nolsm" ;;
		esac
	done
fi
NOLSM_PARTS=${VM_NOLSM_PARTS:-70-enforce 76-attacks 77-race 78-crash}
# VM_PARTS: only these vm.d parts (after features) in every boot, for working
# on one part; the counts of tests/checks.txt then do not hold.
PARTS=${VM_PARTS:-}
# A VM's whole run: under TCG on a loaded 2-core machine 6.12 took 241 s, so
# the limit is generous; a VM that hangs is caught sooner by START and IDLE.
TIMEOUT=${VM_TIMEOUT:-800}
# Seconds a VM may take to begin its tests, and stay silent while running them.
START=${VM_START:-150}
IDLE=${VM_IDLE:-90}
ACCEL=${VM_ACCEL:-auto}
# single (the default) or multi: see run_qemu.
TCG_THREAD=${VM_TCG_THREAD:-single}
case $TCG_THREAD in
single | multi) ;;
*)
	echo "vmtest: VM_TCG_THREAD=$TCG_THREAD: use single or multi" >&2
	exit 2
	;;
esac
# The KVM device auto probes (another path lets a test fake a broken KVM).
KVM_DEV=${VM_KVM_DEV:-/dev/kvm}
case $ACCEL in
auto | kvm | tcg) ;;
*)
	echo "vmtest: VM_ACCEL=$ACCEL: use auto, kvm or tcg" >&2
	exit 2
	;;
esac
mkdir -p "$VM/kernels" "$VM/logs"
if ! command -v qemu-system-x86_64 >/dev/null || [ ! -f "$VM/initramfs.cpio.gz" ]; then
	echo "SKIP vm: all: needs qemu-system-x86_64 and busybox-static (make test-deps), then make vmtest"
	echo "0 passed, 0 failed, 1 skipped"
	exit 1
fi

# The delivery tier each series must pick: fentry on __netlink_sendskb, the first
# choice, everywhere but 5.10, which inlines __netlink_sendskb() into
# netlink_broadcast_deliver() and predates the sock:sk_data_ready tracepoint (6.4).
# The build host refuses fentry and uses the tracepoint (tests/integration).
expected_tier() {
	case $1 in
	5.10 | 5.10-*) echo fentry/sock_def_readable ;;
	*) echo fentry/__netlink_sendskb ;;
	esac
}

# The filter tier a boot must pick, and its kernel command line's lsm= and parts.
expected_filter() {
	case $1 in
	*-nolsm) echo socket_filter/netlink_uevent ;;
	*) echo lsm/socket_sock_rcv_skb ;;
	esac
}
# The filter evaluator build a boot must use: bounded loops where the kernel has no
# bpf_loop() (5.17+), and forced (filter add --tier) on one boot that has both, so that
# each build runs under each filter tier: 5.10 LSM and 6.12-nolsm socket filters bounded,
# the others bpf_loop().
expected_eval() {
	case $1 in
	5.10 | 5.10-* | 6.12-nolsm) echo eval/bounded ;;
	*) echo eval/bpf_loop ;;
	esac
}
force_eval() {
	case $1 in
	6.12-nolsm) echo eval/bounded ;;
	esac
}
boot_args() {
	case $1 in
	*-nolsm) echo "lsm=lockdown,capability,landlock,yama uevscope.parts=$(echo "${PARTS:-$NOLSM_PARTS}" | tr ' ' ,)" ;;
	*) echo "lsm=lockdown,capability,landlock,yama,bpf${PARTS:+ uevscope.parts=$(echo "$PARTS" | tr ' ' ,)}" ;;
	esac
}

# The harness's own apt configuration: Debian's suites that carry the
# matrix's kernels (bullseye 5.10, bookworm 6.1 and 6.12, sid the newest),
# with lists and cache of its own under BUILD/vm/apt, so the system's apt
# sources, lists and cache are never touched.
APT_DIR=$(cd "$VM" && pwd)/apt
MIRROR=${VM_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
vm_apt() {
	cmd=$1
	shift
	"$cmd" -o Dir::Etc::SourceList="$APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" \
		-o Dir::State::Status="$APT_DIR/status" -o Debug::NoLocking=1 "$@"
}
vm_apt_update() {
	mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
	: >>"$APT_DIR/status"
	{
		for suite in bullseye bookworm bookworm-updates sid; do
			echo "deb $MIRROR $suite main"
		done
		# Debian 12's newer 6.12 builds come through its security suite.
		echo "deb $SECURITY_MIRROR bookworm-security main"
	} >"$APT_DIR/sources.list"
	vm_apt apt-get update -qq >/dev/null 2>&1
}

# Kernel package names of a series, newest first. The ABI number changes
# with every Debian point release, and sid's version with every upload, so it
# is looked up, never written down. sid: the newest cloud kernel there, by
# name (its linux-image package is a meta package whose image is in
# linux-binary-VERSION-cloud-amd64).
kernel_packages() {
	case $1 in
	5.10) re='^linux-image-5\.10\.0-[0-9]+-cloud-amd64$' ;;
	6.1) re='^linux-image-6\.1\.0-[0-9]+-cloud-amd64$' ;;
	sid) re='^linux-binary-[0-9.]+\+deb[0-9]+-cloud-amd64$' ;;
	*) re="^linux-image-$(echo "$1" | sed 's/\./\\./g')\.[0-9]+\+deb12-cloud-amd64\$" ;;
	esac
	vm_apt apt-cache search --names-only "$re" | cut -d' ' -f1 | sort -rV
}

# unpack_kernel DIR ROOT: copies the image and config of an unpacked package
# (boot/ of linux-image, or usr/lib/modules/VERSION/ of sid's linux-binary,
# whose config is in linux-base-VERSION-cloud-amd64).
unpack_kernel() {
	# shellcheck disable=SC2012 # Debian names: vmlinuz-VERSION, no blanks
	img=$(ls "$2"/boot/vmlinuz-* "$2"/usr/lib/modules/*/vmlinuz 2>/dev/null | head -1)
	# shellcheck disable=SC2012 # config-VERSION, no blanks
	cfg=$(ls "$2"/boot/config-* "$2"/usr/lib/modules/*/config 2>/dev/null | head -1)
	[ -n "$img" ] && [ -n "$cfg" ] || return 1
	mkdir -p "$1"
	cp "$cfg" "$1/config"
	cp "$img" "$1/vmlinuz"
}

# fetch_kernel SERIES: BUILD/vm/kernels/SERIES/vmlinuz, downloaded only once.
fetch_kernel() {
	dir=$VM/kernels/$1
	[ -f "$dir/vmlinuz" ] && return 0
	[ -f "$APT_DIR/sources.list" ] || vm_apt_update
	pkgs=$(kernel_packages "$1")
	if [ -z "$pkgs" ]; then
		vm_apt_update
		pkgs=$(kernel_packages "$1")
	fi
	tmp=$VM/kernels/.dl-$1
	for pkg in $pkgs; do
		rm -rf "$tmp"
		mkdir -p "$tmp"
		extra=
		case $pkg in
		linux-binary-*) extra=linux-base-${pkg#linux-binary-} ;;
		esac
		echo "vmtest: downloading $pkg $extra"
		# A mirror may list a version it no longer has: try the next one.
		# shellcheck disable=SC2086 # extra: nothing or one package name
		(cd "$tmp" && vm_apt apt-get download -q "$pkg" $extra >/dev/null 2>&1) || continue
		for deb in "$tmp"/*.deb; do
			dpkg -x "$deb" "$tmp/root" || continue 2
		done
		# Only the image and its config are kept: the tests load no modules.
		unpack_kernel "$dir" "$tmp/root" || continue
		echo "$pkg" >"$dir/package"
		rm -rf "$tmp"
		return 0
	done
	rm -rf "$tmp"
	echo "vmtest: cannot download a cloud-amd64 kernel of $1 (tried: ${pkgs:-none found})" >&2
	return 1
}

# kvm_usable: /dev/kvm can be opened for writing. That alone proves little:
# on some hosts it opens, then QEMU stops at the decompressor's first BMI2
# instruction ("KVM internal error. Suberror: 1 ... emulation failure") and
# waits forever. So a KVM boot is only a first try, watched by run_qemu.
kvm_usable() {
	[ -c "$KVM_DEV" ] && [ -w "$KVM_DEV" ] && : 2>/dev/null <"$KVM_DEV"
}

# What the guest kernel prints when it dies or kills a task for a fault of its
# own (die(), panic(), the page fault and GP handlers). Case-sensitive: TCG's
# calibration notice says "loops_per_jiffy".
OOPS_RE='Oops: |general protection fault|Kernel panic - not syncing|BUG: unable to handle|BUG: kernel NULL pointer'

# oops_summary LOG: the first oops line of LOG and the RIP after it, one line,
# without the kernel's timestamps.
oops_summary() {
	tr -d '\r' <"$1" | sed 's/^\[ *[0-9.]*\] //' | awk -v re="$OOPS_RE" '
		!o && $0 ~ re { o = $0; next }
		o && /^RIP: / { r = $0; exit }
		END { if (o) printf "%s%s", o, r ? " at " r : "" }'
}

# run_qemu SERIES ACCEL: one boot, watched. Returns 0 when the VM ran to its
# end marker; 2 when KVM failed before the tests began (the caller retries
# under TCG); 1 otherwise. A VM whose serial console stays silent for
# VM_IDLE seconds, or that has not begun the tests within VM_START seconds,
# is stopped at once instead of waiting for TIMEOUT, and QEMU's own message
# is kept in logs/SERIES.qemu for the FAIL line. A guest kernel that oopses
# is stopped 3 s later (the rest of its report), and the FAIL line names the
# oops and where it happened, instead of a silent console or a time-out.
run_qemu() {
	log=$VM/logs/$1.log
	qlog=$VM/logs/$1.qemu
	: >"$log"
	# bpf in lsm= makes BPF LSM programs run (6.12 leaves it out by default);
	# quiet and loglevel keep kernel lines out of the test output;
	# no_timer_check: on a loaded host TCG can be too slow for the boot-time
	# check of the timer interrupt, and 6.1 then panics ("IO-APIC + timer
	# doesn't work!") before the tests begin.
	# TCG runs both vCPUs on one host thread (thread=single): with a thread
	# per vCPU, a guest that patches its code (text_poke_bp() when a syscall
	# tracepoint is attached or detached) oopsed in one matrix run in three
	# ("Oops: int3" in syscall_exit_to_user_mode_prepare, docs/tests.md), and
	# never with one thread. Two VMs run side by side, so the host's two CPUs
	# stay busy all the same.
	accel_opt=$2
	[ "$2" = tcg ] && accel_opt=tcg,thread=$TCG_THREAD
	qemu-system-x86_64 -accel "$accel_opt" -m 1024 -smp 2 -display none -no-reboot \
		-monitor none -serial "file:$log" \
		-kernel "$VM/kernels/${1%-nolsm}/vmlinuz" -initrd "$VM/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=3 no_timer_check $(boot_args "$1") \
uevscope.label=$1 uevscope.delivery=$(expected_tier "$1") uevscope.filter=$(expected_filter "$1") \
uevscope.eval=$(expected_eval "$1") uevscope.force_eval=$(force_eval "$1")" \
		</dev/null >"$qlog" 2>&1 &
	qpid=$!
	t0=$(date +%s)
	last=0
	last_t=$t0
	why=
	oops_t=
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		now=$(date +%s)
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then
			last=$size
			last_t=$now
		fi
		[ -z "$oops_t" ] && grep -qE "$OOPS_RE" "$log" 2>/dev/null && oops_t=$now
		if [ -n "$oops_t" ] && { [ $((now - oops_t)) -ge 3 ] || grep -q -- '---\[ end trace' "$log"; }; then
			why="the guest kernel oopsed: $(oops_summary "$log")"
		elif grep -q 'KVM internal error\|emulation failure' "$qlog" 2>/dev/null; then
			why="QEMU: $(grep -m1 'KVM internal error\|emulation failure' "$qlog")"
		elif ! grep -q '^=== uevscope-vmtest begin' "$log" 2>/dev/null &&
			[ $((now - t0)) -ge "$START" ]; then
			why="the tests did not begin within ${START}s"
		elif [ $((now - last_t)) -ge "$IDLE" ]; then
			why="no output on the serial console for ${IDLE}s"
		elif [ $((now - t0)) -ge "$TIMEOUT" ]; then
			why="not finished after ${TIMEOUT}s"
		fi
		if [ -n "$why" ]; then
			kill "$qpid" 2>/dev/null
			sleep 1
			kill -9 "$qpid" 2>/dev/null
			break
		fi
	done
	wait "$qpid" 2>/dev/null
	rc=$?
	# A panic ends QEMU (-no-reboot) before the loop above sees the oops.
	[ -z "$why" ] && grep -qE "$OOPS_RE" "$log" && why="the guest kernel oopsed: $(oops_summary "$log")"
	[ -n "$why" ] || why="QEMU exited with $rc before the end marker"
	echo "$why" >"$VM/logs/$1.why"
	tr -d '\r' <"$log" | grep -q '^=== uevscope-vmtest end' && return 0
	# KVM that never reached the tests: worth a second try under TCG.
	[ "$2" = kvm ] && ! tr -d '\r' <"$log" | grep -q '^=== uevscope-vmtest begin' && return 2
	return 1
}

# boot SERIES: runs the VM under VM_ACCEL (auto: KVM where it is usable and
# actually boots the kernel, else TCG), leaves its serial log in
# BUILD/vm/logs/SERIES.log and the accelerator used in SERIES.accel.
boot() {
	t0=$(date +%s)
	case $ACCEL in
	kvm) accels=kvm ;;
	tcg) accels=tcg ;;
	*) if kvm_usable; then accels="kvm tcg"; else accels=tcg; fi ;;
	esac
	for a in $accels; do
		echo "$a" >"$VM/logs/$1.accel"
		run_qemu "$1" "$a"
		rc=$?
		if [ $rc = 2 ] && [ "$ACCEL" = auto ]; then
			echo "vmtest: $1: KVM did not boot the kernel ($(cat "$VM/logs/$1.why")); falling back to TCG" >&2
			cp "$VM/logs/$1.qemu" "$VM/logs/$1.kvm.qemu"
			continue
		fi
		break
	done
	echo $((rc == 2 ? 1 : rc)) >"$VM/logs/$1.rc"
	echo $(($(date +%s) - t0)) >"$VM/logs/$1.secs"
}

results=$VM/logs/results
: >"$results"
table=$VM/logs/table
: >"$table"
incomplete=0
start=$(date +%s)
for s in $SERIES; do
	if ! fetch_kernel "$s"; then
		echo "FAIL vm-$s: kernel: cannot download" >>"$results"
		echo "$s - - - - - - - 0 1" >>"$table"
		incomplete=1
	fi
done
# Two VMs at a time (each is mostly one busy vCPU thread under TCG): the full
# runs first, then the shorter -nolsm ones.
# shellcheck disable=SC2086 # one word per boot
set -- $BOOTS
while [ $# -gt 0 ]; do
	for b in "$1" "${2:-}"; do
		[ -n "$b" ] && [ -f "$VM/kernels/${b%-nolsm}/vmlinuz" ] && boot "$b" &
	done
	wait
	shift
	[ $# -gt 0 ] && shift
done
for s in $BOOTS; do
	log=$VM/logs/$s.log
	[ -f "$VM/logs/$s.rc" ] || continue
	# The serial console ends lines with \r\n; the kernel may print a line
	# of its own into the middle of ours, so keep only well-formed ones.
	tr -d '\r' <"$log" | sed -n '/^=== uevscope-vmtest begin/,/^=== uevscope-vmtest end/p' \
		>"$VM/logs/$s.out"
	grep -E "^(PASS|FAIL|SKIP) vm-$s: " "$VM/logs/$s.out" | tee -a "$results"
	if ! grep -q '^=== uevscope-vmtest end' "$VM/logs/$s.out"; then
		echo "FAIL vm-$s: VM finished: no end marker under $(cat "$VM/logs/$s.accel"): $(cat "$VM/logs/$s.why"); $(tail -n 3 "$VM/logs/$s.qemu" | tr '\n' ' ')see $log" |
			tee -a "$results"
		incomplete=1
	fi
	rel=$(sed -n 's/^=== uevscope-vmtest begin [^ ]* \([^ ]*\) ===$/\1/p' "$VM/logs/$s.out")
	dt=$(sed -n "s/^INFO vm-$s: delivery_tier=//p" "$VM/logs/$s.out")
	et=$(sed -n "s/^INFO vm-$s: emission_tier=//p" "$VM/logs/$s.out")
	ft=$(sed -n "s/^INFO vm-$s: filter_tier=//p" "$VM/logs/$s.out")
	lt=$(sed -n "s/^INFO vm-$s: locks_tier=//p" "$VM/logs/$s.out")
	echo "$s ${rel:--} $(cat "$VM/logs/$s.accel") $(cat "$VM/logs/$s.secs")s ${dt:--} ${et:--} ${ft:--} ${lt:--}" \
		"$(grep -c "^PASS vm-$s: " "$VM/logs/$s.out")" \
		"$(grep -c "^FAIL vm-$s: " "$results")" >>"$table"
done

echo
ROW='%-10s %-26s %-5s %-5s %-24s %-23s %-28s %-23s %6s %6s\n'
# shellcheck disable=SC2059 # ROW is the format, one for the header and the rows
printf "$ROW" KERNEL RELEASE ACCEL TIME DELIVERY EMISSION FILTER LOCKS PASSED FAILED
while read -r s rel acc secs dt et ft lt p f; do
	# shellcheck disable=SC2059 # ROW is the format
	printf "$ROW" "$s" "$rel" "$acc" "$secs" "$dt" "$et" "$ft" "$lt" "$p" "$f"
done <"$table"
# The host kernel is covered by make test's host suites: what it picks, and
# their counts when tests/run.sh passes them (HOST_PASSED, HOST_FAILED).
if [ -x "$BUILD/uevscope" ] && [ "$(id -u)" = 0 ]; then
	"$BUILD/uevscope" features 2>/dev/null | awk -v rel="$(uname -r)" \
		-v p="${HOST_PASSED:--}" -v f="${HOST_FAILED:--}" -v row="$ROW" '
		$1 == "trace" && $2 == "delivery" { dt = $3 }
		$1 == "trace" && $2 == "emission" { et = $3 }
		$1 == "filter" && $2 == "enforce" { ft = $3 }
		$1 == "locks" && $2 == "contention" { lt = $3 }
		END { printf row, "host", rel, "-", "-", dt, et, ft, lt, p, f }'
fi
echo "(VMs took $(($(date +%s) - start)) s; logs in $VM/logs/)"

passed=$(grep -c '^PASS ' "$results")
failed=$(grep -c '^FAIL ' "$results")
skipped=$(grep -c '^SKIP ' "$results")
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$incomplete" = 0 ] && [ "$passed" -gt 0 ]
