#!/bin/bash
# Tears the lab down from any state (complete, half-built, or already gone). Idempotent.
# Kills only lab host inits (recorded in pid files, or processes named host-init.sh that run
# this lab's script or sit in a lab netns) and, through them, everything in their namespaces.
# Keeps client keys, host keys and the image cache in the state dir; deletes per-host data.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib/common.sh"

lab_require_root
start=$(lab_now_ms)
if [[ -z ${LAB_LOCK_HELD:-} && -d $LAB_STATE ]]; then
  exec 9>"$LAB_STATE/.lock"
  flock -w 120 9 || lab_die "another up.sh/down.sh holds $LAB_STATE/.lock"
fi

# ---- find host inits ----------------------------------------------------------------------
declare -A init_host=() # pid -> host number
declare -A netns_host=() # "net:[inode]" -> host number
for ((n = 1; n <= LAB_MAX_HOSTS; n++)); do
  if pid=$(lab_init_pid "$n"); then init_host[$pid]=$n; fi
  if [[ -e /run/netns/h$n ]] && ino=$(stat -L -c %i "/run/netns/h$n" 2>/dev/null); then
    netns_host["net:[$ino]"]=$n
  fi
done
# Also scan: inits whose pid file is gone (or in another LAB_STATE), and the `unshare`
# parents of inits (a host still starting up may have no init yet).
unshares=()
for p in /proc/[0-9]*; do
  comm=$(cat "$p/comm" 2>/dev/null) || continue
  [[ $comm == host-init.sh || $comm == unshare ]] || continue
  pid=${p#/proc/}
  [[ -n ${init_host[$pid]:-} ]] && continue
  mapfile -d '' -t argv <"$p/cmdline" 2>/dev/null || continue
  netns=$(readlink "$p/ns/net" 2>/dev/null || true)
  if [[ $comm == unshare ]]; then
    # argv: unshare OPTIONS... <dir>/lib/host-init.sh N HOSTDIR
    for a in "${argv[@]}"; do
      if [[ $a == "$LAB_DIR/lib/host-init.sh" || ($a == */lib/host-init.sh && -n ${netns_host[$netns]:-}) ]]; then
        unshares+=("$pid")
        break
      fi
    done
    continue
  fi
  # argv: /bin/bash <dir>/lib/host-init.sh N HOSTDIR
  n=${argv[2]:-}
  [[ $n =~ ^[0-9]+$ ]] || continue
  if [[ ${argv[1]:-} == "$LAB_DIR/lib/host-init.sh" || -n ${netns_host[$netns]:-} ]]; then
    init_host[$pid]=$n
  fi
done

# ---- stop them (in parallel): containers, sshd, dockerd, then SIGKILL init ------------------
stop_host() {
  local pid=$1 n=$2 i
  timeout 5 nsenter --target "$pid" --net --mount --uts --pid --wdns=/ -- \
    "$LAB_DIR/lib/svc.sh" shutdown "$n" "$LAB_HOSTS_DIR/h$n" >/dev/null 2>&1 || true
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    [[ -d /proc/$pid ]] || return 0
    sleep 0.05
  done
  lab_log "warning: h$n init (pid $pid) still present after SIGKILL"
}
stoppers=()
for pid in "${!init_host[@]}"; do
  stop_host "$pid" "${init_host[$pid]}" &
  stoppers+=($!)
done
for p in "${stoppers[@]}"; do wait "$p" || true; done
# Leftover parents (normally gone with their init); --kill-child takes a just-forked init along.
for pid in "${unshares[@]}"; do
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == unshare ]]; then kill -KILL "$pid" 2>/dev/null || true; fi
done

# ---- network --------------------------------------------------------------------------------
for ((n = 1; n <= LAB_MAX_HOSTS; n++)); do
  [[ -e /run/netns/h$n ]] && { ip netns del "h$n" 2>/dev/null || lab_log "warning: cannot delete netns h$n"; }
  [[ -e /sys/class/net/vlab$n ]] && { ip link del "vlab$n" 2>/dev/null || true; }
done
[[ -e /sys/class/net/$LAB_BRIDGE ]] && { ip link del "$LAB_BRIDGE" || lab_log "warning: cannot delete bridge $LAB_BRIDGE"; }

unfirewall() { # $1 = iptables | ip6tables
  local t=$1 rule
  command -v "$t" >/dev/null && "$t" -w -S >/dev/null 2>&1 || return 0
  for chain in INPUT FORWARD; do
    while read -r rule; do
      [[ -n $rule ]] || continue
      # shellcheck disable=SC2086  # rule is iptables -S output: split on purpose
      eval "$t -w -D ${rule#-A }" || true
    done < <("$t" -w -S "$chain" | grep -E -- "-j ($LAB_CHAIN_FWD|$LAB_CHAIN_IN)( |\$)" || true)
  done
  for chain in "$LAB_CHAIN_FWD" "$LAB_CHAIN_IN"; do
    if "$t" -w -S "$chain" >/dev/null 2>&1; then
      if ! { "$t" -w -F "$chain" && "$t" -w -X "$chain"; }; then
        lab_log "warning: cannot remove $t chain $chain"
      fi
    fi
  done
}
unfirewall iptables
unfirewall ip6tables

# ---- state ----------------------------------------------------------------------------------
if [[ -d $LAB_HOSTS_DIR ]]; then
  # Host mounts lived only in the hosts' private mount namespaces; refuse to recurse into
  # anything still mounted here.
  if grep -qF " $LAB_HOSTS_DIR/" /proc/self/mountinfo; then
    lab_log "warning: mounts under $LAB_HOSTS_DIR in the root namespace; unmounting them"
    awk '{ print $5 }' /proc/self/mountinfo | grep -F "$LAB_HOSTS_DIR/" | sort -r |
      while read -r m; do umount -l "$m" || true; done
  fi
  rm -rf --one-file-system -- "$LAB_HOSTS_DIR"
fi
rm -f -- "$LAB_STATE/env" "$LAB_STATE/hosts.json" "$LAB_STATE/ssh_config" "$LAB_STATE/known_hosts" "$LAB_STATE/image.log"

lab_log "down: done in $(lab_elapsed "$start") (${#init_host[@]} host inits stopped)"
