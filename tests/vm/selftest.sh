#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The VM harness's own checks, with a stand-in QEMU and no kernel booted: a
# KVM that opens but cannot run the kernel falls back to TCG; forced KVM that
# fails, a VM that goes silent, and a guest kernel that oopses, fail within
# seconds with the reason and QEMU's (or the kernel's) own message; without a
# KVM device TCG is used at once.
# usage: tests/vm/selftest.sh
SUITE=vm-harness
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/uevscope-vmself.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass() { echo "PASS $SUITE: $1"; }
fail() { echo "FAIL $SUITE: $1: $2"; }
info() { echo "INFO $SUITE: $1"; }

# A build folder with a kernel and an initramfs already in place (never run).
B=$T/build
mkdir -p "$B/vm/kernels/9.9" "$T/bin"
: >"$B/vm/kernels/9.9/vmlinuz"
: >"$B/vm/initramfs.cpio.gz"
# The stand-in QEMU. Under KVM it behaves as these machines' broken KVM does:
# QEMU's error, then nothing. Under TCG it writes a run of the tests to the
# serial file, or (FAKE_STALL) the begin marker and then nothing.
cat >"$T/bin/qemu-system-x86_64" <<'QEMU'
#!/bin/sh
serial=
accel=
while [ $# -gt 0 ]; do
	case $1 in
	-serial) serial=${2#file:} ;;
	-accel) accel=$2 ;;
	esac
	[ "$1" = -accel ] && [ -n "$FAKE_ACCEL_LOG" ] && echo "$2" >>"$FAKE_ACCEL_LOG"
	shift
done
if [ "$accel" = kvm ]; then
	echo "KVM internal error. Suberror: 1" >&2
	echo "emulation failure" >&2
	exec sleep 600
fi
printf '=== uevscope-vmtest begin 9.9 9.9.0-fake ===\r\n' >"$serial"
[ -n "$FAKE_STALL" ] && exec sleep 600
if [ -n "$FAKE_OOPS" ]; then
	# What a 6.12 guest printed once under TCG, then a task stuck for good.
	printf 'PASS vm-9.9: one\r\n[   81.244113] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\r\n' >>"$serial"
	printf '[   81.244790] CPU: 1 UID: 0 PID: 212 Comm: sh Not tainted 6.12.0-fake #1\r\n' >>"$serial"
	printf '[   81.245322] RIP: 0010:syscall_exit_to_user_mode_prepare+0x2e/0x1a0\r\n' >>"$serial"
	exec sleep 600
fi
printf 'PASS vm-9.9: one\r\nINFO vm-9.9: delivery_tier=fake\r\n=== uevscope-vmtest end rc=0 ===\r\n' >>"$serial"
QEMU
chmod +x "$T/bin/qemu-system-x86_64"

# A stalled stand-in sleeps 600 s; what stops it first, if the mechanism under
# test did not, is VM_IDLE's default 90 s, VM_START's 150 s or VM_TIMEOUT's
# 800 s. So "stopped within SOON seconds" tells the mechanism apart from
# those, with room for a loaded host: 15 s failed at load average 27 (17 s,
# 22 s), where the mechanism took its 3 s plus a starved harness loop.
SOON=60

# vm ENV...: the harness with the stand-in, its output in $T/out, time in $secs.
vm() {
	t0=$(date +%s)
	env PATH="$T/bin:$PATH" VM_KERNELS=9.9 "$@" "$here/run.sh" "$B" >"$T/out" 2>&1
	rc=$?
	secs=$(($(date +%s) - t0))
}

vm VM_KVM_DEV=/dev/null
if [ $rc = 0 ] && grep -q "KVM did not boot the kernel (QEMU: KVM internal error" "$T/out" &&
	grep -q "^9.9 .* tcg " "$T/out" && grep -q "^PASS vm-9.9: one" "$T/out"; then
	pass "a KVM that opens but cannot run the kernel: TCG instead" && info "a KVM that opens but cannot run the kernel: TCG instead, and the table says so (${secs} s)"
else
	fail "a KVM that opens but cannot run the kernel: TCG instead" "rc=$rc $(tr '\n' ' ' <"$T/out" | cut -c1-300)"
fi

vm VM_KVM_DEV=/dev/null VM_ACCEL=kvm
if [ $rc != 0 ] && [ $secs -lt $SOON ] &&
	grep -q "^FAIL vm-9.9: VM finished: no end marker under kvm: QEMU: KVM internal error" "$T/out"; then
	pass "VM_ACCEL=kvm on a broken KVM fails in seconds with QEMU's message" && info "VM_ACCEL=kvm on a broken KVM fails in ${secs} s with QEMU's message"
else
	fail "VM_ACCEL=kvm on a broken KVM fails in seconds with QEMU's message" \
		"rc=$rc ${secs}s $(tr '\n' ' ' <"$T/out" | cut -c1-300)"
fi

vm VM_KVM_DEV="$T/none" FAKE_STALL=1 VM_IDLE=3
if [ $rc != 0 ] && [ $secs -lt $SOON ] &&
	grep -q "^FAIL vm-9.9: VM finished: no end marker under tcg: no output on the serial console for 3s" "$T/out"; then
	pass "a VM that goes silent is stopped after VM_IDLE seconds" && info "a VM that goes silent is stopped after VM_IDLE seconds (${secs} s), not at the time limit"
else
	fail "a VM that goes silent is stopped after VM_IDLE seconds" "rc=$rc ${secs}s $(tr '\n' ' ' <"$T/out" | cut -c1-300)"
fi

vm VM_KVM_DEV="$T/none" FAKE_OOPS=1
if [ $rc != 0 ] && [ $secs -lt $SOON ] &&
	grep -q "^FAIL vm-9.9: VM finished: no end marker under tcg: the guest kernel oopsed: Oops: int3: 0000 \[#1\] PREEMPT SMP NOPTI at RIP: 0010:syscall_exit_to_user_mode_prepare+0x2e/0x1a0;" "$T/out"; then
	pass "a guest kernel oops stops the VM within seconds, the FAIL line names it and its RIP" && info "a guest kernel oops stops the VM within seconds (${secs} s), the FAIL line names it and its RIP"
else
	fail "a guest kernel oops stops the VM within seconds, the FAIL line names it and its RIP" \
		"rc=$rc ${secs}s $(tr '\n' ' ' <"$T/out" | cut -c1-400)"
fi

vm VM_KVM_DEV="$T/none"
if [ $rc = 0 ] && ! grep -q "KVM" "$T/out" && grep -q "^9.9 .* tcg " "$T/out"; then
	pass "no KVM device: TCG at once"
else
	fail "no KVM device: TCG at once" "rc=$rc $(tr '\n' ' ' <"$T/out" | cut -c1-300)"
fi

# TCG with both vCPUs on one host thread, the guard against the text_poke
# oops of multi-threaded TCG (docs/tests.md); VM_TCG_THREAD=multi for the
# repro, a bad value refused.
vm VM_KVM_DEV="$T/none" FAKE_ACCEL_LOG="$T/accel"
a1=$(cat "$T/accel" 2>/dev/null)
vm VM_KVM_DEV="$T/none" VM_TCG_THREAD=multi FAKE_ACCEL_LOG="$T/accel2"
a2=$(cat "$T/accel2" 2>/dev/null)
vm VM_TCG_THREAD=many
if [ "$a1" = tcg,thread=single ] && [ "$a2" = tcg,thread=multi ] && [ $rc = 2 ] &&
	grep -q "VM_TCG_THREAD=many: use single or multi" "$T/out"; then
	pass "TCG runs a VM's vCPUs on one host thread unless VM_TCG_THREAD=multi; a bad value: exit 2"
else
	fail "TCG runs a VM's vCPUs on one host thread unless VM_TCG_THREAD=multi; a bad value: exit 2" \
		"accel '$a1', with multi '$a2', bad value rc=$rc $(cat "$T/out")"
fi

vm VM_ACCEL=fast
[ $rc = 2 ] && grep -q "VM_ACCEL=fast: use auto, kvm or tcg" "$T/out" &&
	pass "VM_ACCEL=fast: one line, exit 2" || fail "VM_ACCEL=fast: one line, exit 2" "rc=$rc $(cat "$T/out")"
