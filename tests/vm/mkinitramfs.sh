#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Builds the test VM's initramfs: static busybox, /init, the VM test script,
# and the statically linked uevscope and test helpers from VM_DIR. Every
# kernel boots the same image; it needs no kernel modules (the Debian cloud
# kernels have netlink, namespaces, BPF, bpffs, tracefs and cgroup2 built in).
# usage: tests/vm/mkinitramfs.sh VM_DIR OUTPUT.cpio.gz
set -eu
VM_DIR=$1
OUT=$2
here=$(cd "$(dirname "$0")" && pwd)

# The busybox-static package installs /bin/busybox; a dynamic one would not
# run in an initramfs without its libraries.
BB=/bin/busybox
if ! dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q 'ok installed'; then
	echo "mkinitramfs: needs busybox-static (make test-deps installs it)" >&2
	exit 1
fi

root=$VM_DIR/initramfs
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/run" \
	"$root/uev/tests" "$root/uev/vm.d"
cp "$BB" "$root/bin/busybox"
for applet in $("$BB" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
# No /dev/console node here (that needs mknod): /init mounts devtmpfs first.
cp "$here/init" "$root/init"
cp "$here/vm-tests.sh" "$here/../integration/lib.sh" "$VM_DIR/uevscope" "$root/uev/"
# The host suites' shared checks (race.inc, crash.inc) and their setup
# (enforce.inc, devices.inc), which vm.d parts source as the suites do.
cp "$here"/../integration/*.inc "$root/uev/"
cp "$VM_DIR"/tests/* "$root/uev/tests/"
# The BPF verifier budget's records, for vm.d/95-verifier-budget.sh.
mkdir -p "$root/uev/verifier-budget"
for rec in "$here"/../verifier-budget/*.txt; do
	[ -e "$rec" ] && cp "$rec" "$root/uev/verifier-budget/"
done
for part in "$here"/vm.d/*.sh; do
	[ -e "$part" ] && cp "$part" "$root/uev/vm.d/"
done
chmod 755 "$root/init"
(cd "$root" && find . | "$BB" cpio -o -H newc 2>/dev/null) | gzip -1 >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
