#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The guest oops "Oops: int3" in syscall_exit_to_user_mode_prepare, seen once
# in the 6.12 VM under TCG during `filter add` (docs/tests.md, "A guest oops
# under TCG"), reproduced or not, with and without uevscope. One boot of a
# Debian kernel from tests/vm/run.sh's cache, with the test initramfs and this
# loop as /init: ROUNDS times, attach then detach a probe on the syscall exit
# tracepoints, while the other vCPU does nothing but syscalls (dd bs=1).
# Attaching the first probe to sys_exit patches syscall_exit_to_user_mode_prepare
# (the tracepoint's static key and static call) with text_poke_bp(): an int3
# over the first byte of each site, an IPI to every CPU, the rest of the bytes,
# another IPI, the first byte, a last IPI.
#   MODE=tracefs   echo 1, then 0, into tracefs' syscalls/sys_exit_bind/enable:
#                  the kernel alone, no BPF, no uevscope
#   MODE=watch     uevscope filter watch started, then stopped (SIGTERM): its
#                  syscall tracepoint programs attach and detach
#   MODE=add       uevscope filter add, then filter flush (the LSM program too)
# usage: [SERIES=6.12] [MODE=tracefs] [SMP=2] [THREAD=multi|single] [LSM=1|0]
#        [ROUNDS=2000] [TIMEOUT=900] tests/vm/text-poke-repro.sh BUILD_DIR
# Prints one line: the boot, the rounds done, and the oops if one happened.
# Exit 0 without an oops, 1 with one, 2 when it could not run.
BUILD=${1:-build}
VM=$BUILD/vm
SERIES=${SERIES:-6.12}
MODE=${MODE:-tracefs}
SMP=${SMP:-2}
THREAD=${THREAD:-multi}
LSM=${LSM:-1}
ROUNDS=${ROUNDS:-2000}
TIMEOUT=${TIMEOUT:-900}
case $MODE in tracefs | watch | add) ;; *)
	echo "text-poke-repro: MODE=$MODE: use tracefs, watch or add" >&2
	exit 2
	;;
esac
if [ ! -f "$VM/kernels/$SERIES/vmlinuz" ] || [ ! -d "$VM/initramfs" ]; then
	echo "text-poke-repro: needs $VM/kernels/$SERIES/vmlinuz and $VM/initramfs (make vmtest first)" >&2
	exit 2
fi
T=$(mktemp -d /tmp/uevscope-textpoke.XXXXXX)
trap 'rm -rf "$T"' EXIT
cp -a "$VM/initramfs" "$T/root"
cat >"$T/root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t bpf bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing
arg() { sed -n "s/.*repro\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
mode=$(arg mode)
rounds=$(arg rounds)
echo "=== repro begin $(uname -r) mode=$mode rounds=$rounds cpus=$(nproc) ==="
# The other vCPU: syscalls without pause, each returning through the patched code.
dd if=/dev/zero of=/dev/null bs=1 2>/dev/null &
load=$!
ev=/sys/kernel/tracing/events/syscalls/sys_exit_bind/enable
unshare -n sleep 100000 &
ns=$!
# watch mode needs a policy to watch: one, kept for the whole loop.
[ "$mode" = watch ] && /uev/uevscope filter add --no-watch \
	--netns "/proc/$ns/ns/net" 'SUBSYSTEM=="repro"' deny >/dev/null 2>&1
sleep 1
i=0
while [ $i -lt "$rounds" ]; do
	case $mode in
	tracefs)
		echo 1 >$ev
		echo 0 >$ev
		;;
	watch)
		/uev/uevscope filter watch >/dev/null 2>&1 &
		w=$!
		# Attached once it reports its pid in filter status (it needs the policy).
		n=0
		until /uev/uevscope filter status 2>/dev/null | grep -q "^watcher: pid $w " || [ $n -ge 100 ]; do
			n=$((n + 1))
			sleep 0.1
		done
		kill -TERM $w
		wait $w
		;;
	add)
		/uev/uevscope filter add --netns "/proc/$ns/ns/net" 'SUBSYSTEM=="repro"' deny >/dev/null 2>&1
		/uev/uevscope filter flush >/dev/null 2>&1
		;;
	esac
	i=$((i + 1))
	[ $((i % 50)) = 0 ] && echo "repro round $i"
done
kill $load $ns
echo "=== repro end rounds=$i ==="
poweroff -f
INIT
chmod 755 "$T/root/init"
(cd "$T/root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$T/ird.gz"
lsm="lockdown,capability,landlock,yama"
[ "$LSM" = 1 ] && lsm="$lsm,bpf"
log=$T/console
qemu-system-x86_64 -accel "tcg,thread=$THREAD" -m 1024 -smp "$SMP" -display none -no-reboot \
	-monitor none -serial "file:$log" -kernel "$VM/kernels/$SERIES/vmlinuz" -initrd "$T/ird.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 no_timer_check lsm=$lsm repro.mode=$MODE repro.rounds=$ROUNDS" \
	</dev/null >"$T/qemu" 2>&1 &
qpid=$!
OOPS_RE='Oops: |general protection fault|Kernel panic - not syncing|BUG: unable to handle|BUG: kernel NULL pointer'
t0=$(date +%s)
oops_t=
while kill -0 $qpid 2>/dev/null; do
	sleep 1
	now=$(date +%s)
	[ -z "$oops_t" ] && grep -qE "$OOPS_RE" "$log" 2>/dev/null && oops_t=$now
	if { [ -n "$oops_t" ] && [ $((now - oops_t)) -ge 3 ]; } || [ $((now - t0)) -ge "$TIMEOUT" ]; then
		kill $qpid
		break
	fi
done
wait $qpid 2>/dev/null
secs=$(($(date +%s) - t0))
done_=$(tr -d '\r' <"$log" | sed -n 's/^repro round \([0-9]*\)$/\1/p' | tail -n 1)
end=$(tr -d '\r' <"$log" | sed -n 's/^=== repro end rounds=\([0-9]*\) ===$/\1/p')
[ -n "$end" ] && done_=$end
rel=$(tr -d '\r' <"$log" | sed -n 's/^=== repro begin \([^ ]*\) .*/\1/p')
what="series $SERIES ($rel) lsm=$LSM mode=$MODE smp=$SMP tcg thread=$THREAD: ${done_:-0} of $ROUNDS rounds in ${secs} s"
if grep -qE "$OOPS_RE" "$log"; then
	oops=$(tr -d '\r' <"$log" | sed 's/^\[ *[0-9.]*\] //' | awk -v re="$OOPS_RE" '
		!o && $0 ~ re { o = $0; next }
		o && /^RIP: / { r = $0; exit }
		END { printf "%s%s", o, r ? " at " r : "" }')
	echo "$what; OOPS after round ${done_:-0}+: $oops"
	[ -n "${KEEP_LOG:-}" ] && cp "$log" "$KEEP_LOG"
	exit 1
fi
echo "$what; no oops${end:+ (ran to the end)}"
[ -n "${KEEP_LOG:-}" ] && cp "$log" "$KEEP_LOG"
exit 0
