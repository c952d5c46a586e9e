#!/bin/bash
# PID 1 of one lab host. Started by up.sh (never by hand) as
#   nsenter --net=/run/netns/hN unshare --mount --uts --pid --fork --kill-child \
#       --propagation private lib/host-init.sh N HOSTDIR
# It builds the host's private mounts, starts dockerd and sshd (via svc.sh), writes
# HOSTDIR/ready (or HOSTDIR/failed) and then just reaps children until SIGKILLed.
# Its process name (comm) "host-init.sh" is how the other scripts recognise it.
set -euo pipefail
n=$1
hdir=$2
lib=$(cd -- "$(dirname -- "$0")" && pwd -P)
name=h$n
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_API_VERSION

fail() {
  echo "host-init[$name]: $*" >&2
  echo "$*" >"$hdir/failed"
  exit 1
}
trap 'fail "setup command failed (line $LINENO)"' ERR

# Our PID as seen from the root namespace (the old /proc still belongs to it).
# Read by this shell itself (no subprocess), so "self" is us.
outer=
while read -r key val _; do
  [[ $key == NSpid: ]] && outer=$val && break
done </proc/self/status
[[ -n $outer ]] || fail "cannot read NSpid from /proc/self/status"
echo "$outer" >"$hdir/init.pid"

hostname "$name"

# Detach copies of root-namespace mounts that would pin foreign objects: the netns handles
# in /run/netns (else other hosts' netns stay alive after `ip netns del`), anything under /run
# and /var/lib/docker (a root-namespace dockerd's mounts). Deepest first.
awk '{ print $5 }' /proc/self/mountinfo |
  grep -E '^/(run|var/lib/docker|etc/docker)(/|$)' | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2- |
  while read -r m; do umount -l "$m" 2>/dev/null || true; done

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t tmpfs -o mode=755,size=64m tmpfs /run
mkdir -p /run/sshd /run/lock /run/lab
chmod 755 /run/sshd

# sysfs for our own netns (/sys/class/net etc.), keeping the cgroup mounts.
mount --rbind /sys/fs/cgroup /run/lab
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount --move /run/lab /sys/fs/cgroup

mkdir -p /var/lib/docker /etc/docker
mount --bind "$hdir/docker" /var/lib/docker
mount --bind "$hdir/etc-docker" /etc/docker
mount --bind "$hdir/root" /root

# /etc/resolv.conf, /etc/hosts, /etc/hostname may be symlinks (e.g. into /run): write or
# bind the target. /etc/hostname is optional.
echo "$name" >"$hdir/hostname"
for f in resolv.conf hosts hostname; do
  target=$(readlink -m "/etc/$f")
  [[ $f == hostname && ! -e $target ]] && continue
  if [[ $target == /run/* ]]; then
    mkdir -p "$(dirname "$target")"
    cat "$hdir/$f" >"$target"
  else
    [[ -e $target ]] || fail "/etc/$f -> $target does not exist"
    mount --bind "$hdir/$f" "$target"
  fi
done

trap - ERR
"$lib/svc.sh" start-dockerd "$n" "$hdir" &
d=$!
"$lib/svc.sh" start-sshd "$n" "$hdir" &
s=$!
rc=0
wait "$d" || rc=1
wait "$s" || rc=1
if ((rc == 0)); then
  : >"$hdir/ready"
else
  echo "dockerd or sshd did not start (see dockerd.log, sshd.log, init.log)" >"$hdir/failed"
fi

# PID 1: reap orphans forever. Only SIGKILL from the root namespace ends us (and the host).
while :; do
  sleep 3600 &
  wait "$!" || true
done
