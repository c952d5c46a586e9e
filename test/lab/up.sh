#!/bin/bash
# Brings up the lab: hosts h1..hN (default 3, max 16), each a net+mount+UTS+PID namespace
# with its own dockerd (default socket) and sshd on 10.99.0.N:22, sealed from the outside.
# Idempotent: runs down.sh first. Usage: up.sh [N]
# Env: LAB_STATE (state dir, default test/lab/.state), LAB_TIMEOUT (readiness, s, default 60),
#      LAB_ENGINES (Docker engine per host, see engine.sh: one for every host, e.g. 26.1, or one per
#      host, e.g. 20.10,26.1,26.1 for a swarm in a rolling upgrade; default: this machine's dockerd).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib/common.sh"

nhosts=${1:-3}
if ! [[ $nhosts =~ ^[0-9]+$ ]] || ((10#$nhosts < 1 || 10#$nhosts > LAB_MAX_HOSTS)); then
  lab_die "usage: up.sh [N]  (N = number of hosts, 1..$LAB_MAX_HOSTS)"
fi
nhosts=$((10#$nhosts))
lab_require_root
lab_require_cmds ip iptables nsenter unshare setsid flock dockerd docker containerd runc sshd ssh ssh-keygen tar sha256sum timeout
[[ -x /usr/sbin/sshd ]] || lab_die "/usr/sbin/sshd not found (install openssh-server)"
start=$(lab_now_ms)

# ---- engines (resolved before anything is torn down: a bad choice leaves the lab as it is) ----
engine_of=() # index n -> "20.10" | "26.1" | "-" (default: this machine's dockerd, unchecked)
declare -A engine_bin=([-]="")
for ((n = 1; n <= nhosts; n++)); do engine_of[n]=-; done
if [[ -n ${LAB_ENGINES:-} ]]; then
  IFS=, read -r -a wanted <<<"$LAB_ENGINES"
  if ((${#wanted[@]} != 1 && ${#wanted[@]} != nhosts)); then
    lab_die "LAB_ENGINES='$LAB_ENGINES' names ${#wanted[@]} engines for $nhosts hosts: give one for all hosts, or one per host"
  fi
  for ((n = 1; n <= nhosts; n++)); do
    e=${wanted[0]}
    ((${#wanted[@]} == 1)) || e=${wanted[n - 1]}
    engine_of[n]=$e
    if [[ -z ${engine_bin[$e]+set} ]]; then
      engine_bin[$e]=$("$LAB_DIR/engine.sh" "$e") || exit 1 # engine.sh said why
    fi
  done
  lab_log "engines: $(for ((n = 1; n <= nhosts; n++)); do printf 'h%d=%s ' "$n" "${engine_of[n]}"; done)"
fi

mkdir -p "$LAB_STATE"
chmod 700 "$LAB_STATE"
exec 9>"$LAB_STATE/.lock"
flock -w 120 9 || lab_die "another up.sh/down.sh holds $LAB_STATE/.lock"
LAB_LOCK_HELD=1 "$LAB_DIR/down.sh" || lab_die "down.sh failed; cannot bring the lab up"

# ---- keys (client keys and host keys are kept across up/down) -----------------------------
keygen() { [[ -s $1 && -s $1.pub ]] || { rm -f "$1" "$1.pub"; ssh-keygen -q -t ed25519 -N '' -C "$2" -f "$1" </dev/null; }; }
keygen "$LAB_STATE/id_ed25519" swarm-overlay-lab-client
keygen "$LAB_STATE/wrong_id_ed25519" swarm-overlay-lab-unauthorized
mkdir -p "$LAB_HOSTKEYS_DIR" "$LAB_HOSTS_DIR"
for ((n = 1; n <= nhosts; n++)); do
  keygen "$LAB_HOSTKEYS_DIR/h$n" "h$n"
done

# Test image (cached) in the background while the network comes up.
"$LAB_DIR/image.sh" >"$LAB_STATE/image.log" 2>&1 9>&- &
image_pid=$!

# ---- network ------------------------------------------------------------------------------
no_ipv6() {
  if [[ -w /proc/sys/net/ipv6/conf/$1/disable_ipv6 ]]; then echo 1 >"/proc/sys/net/ipv6/conf/$1/disable_ipv6"; fi
}

ip link add "$LAB_BRIDGE" type bridge
no_ipv6 "$LAB_BRIDGE"
ip addr add "$LAB_GW/24" dev "$LAB_BRIDGE"
ip link set "$LAB_BRIDGE" up

# Sealing. FORWARD: bridge-internal traffic passes (the FORWARD policy may be DROP with
# br_netfilter), nothing is routed out of or into the lab. INPUT: lab hosts may only answer
# connections the root namespace opened (e.g. the test client's SSH), never open new ones.
ipt() { iptables -w "$@"; }
ipt -N "$LAB_CHAIN_FWD"
ipt -A "$LAB_CHAIN_FWD" -i "$LAB_BRIDGE" -o "$LAB_BRIDGE" -j ACCEPT
ipt -A "$LAB_CHAIN_FWD" -i "$LAB_BRIDGE" -j REJECT --reject-with icmp-admin-prohibited
ipt -A "$LAB_CHAIN_FWD" -o "$LAB_BRIDGE" -j DROP
ipt -I FORWARD 1 -m comment --comment "$LAB_COMMENT" -j "$LAB_CHAIN_FWD"
ipt -N "$LAB_CHAIN_IN"
ipt -A "$LAB_CHAIN_IN" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
ipt -A "$LAB_CHAIN_IN" -p tcp -j REJECT --reject-with tcp-reset
ipt -A "$LAB_CHAIN_IN" -j REJECT --reject-with icmp-port-unreachable
ipt -I INPUT 1 -i "$LAB_BRIDGE" -m comment --comment "$LAB_COMMENT" -j "$LAB_CHAIN_IN"
# IPv6 is disabled on every lab link; these rules are only a second lock.
if command -v ip6tables >/dev/null && ip6tables -w -S >/dev/null 2>&1; then
  ip6tables -w -N "$LAB_CHAIN_FWD"
  ip6tables -w -A "$LAB_CHAIN_FWD" -i "$LAB_BRIDGE" ! -o "$LAB_BRIDGE" -j DROP
  ip6tables -w -A "$LAB_CHAIN_FWD" -o "$LAB_BRIDGE" ! -i "$LAB_BRIDGE" -j DROP
  ip6tables -w -I FORWARD 1 -m comment --comment "$LAB_COMMENT" -j "$LAB_CHAIN_FWD"
  ip6tables -w -N "$LAB_CHAIN_IN"
  ip6tables -w -A "$LAB_CHAIN_IN" -j DROP
  ip6tables -w -I INPUT 1 -i "$LAB_BRIDGE" -m comment --comment "$LAB_COMMENT" -j "$LAB_CHAIN_IN"
fi

for ((n = 1; n <= nhosts; n++)); do
  ns=h$n
  ip netns add "$ns"
  # shellcheck disable=SC2016  # expanded by the inner sh
  nsenter --net="/run/netns/$ns" sh -c '
    for f in /proc/sys/net/ipv6/conf/all/disable_ipv6 /proc/sys/net/ipv6/conf/default/disable_ipv6; do
      [ -w "$f" ] && echo 1 >"$f"; done; ip link set lo up' || lab_die "cannot configure netns $ns"
  ip link add "vlab$n" type veth peer name eth0 netns "$ns"
  no_ipv6 "vlab$n"
  ip link set "vlab$n" master "$LAB_BRIDGE" up
  ip -n "$ns" addr add "$LAB_NET.$n/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$LAB_GW"
done

# ---- per-host files -----------------------------------------------------------------------
hosts_file="127.0.0.1 localhost"$'\n'
for ((n = 1; n <= nhosts; n++)); do hosts_file+="$LAB_NET.$n h$n"$'\n'; done

for ((n = 1; n <= nhosts; n++)); do
  hdir=$LAB_HOSTS_DIR/h$n
  mkdir -p "$hdir/docker" "$hdir/etc-docker" "$hdir/root/.ssh"
  chmod 700 "$hdir/root" "$hdir/root/.ssh" "$hdir/docker"
  cp "$LAB_STATE/id_ed25519.pub" "$hdir/root/.ssh/authorized_keys"
  chmod 600 "$hdir/root/.ssh/authorized_keys"
  # Read by lib/svc.sh whenever it starts this host's dockerd (also ctl.sh start-dockerd).
  printf '%s\n' "${engine_of[n]}" >"$hdir/engine"
  printf '%s\n' "${engine_bin[${engine_of[n]}]}" >"$hdir/engine-bin"
  printf '# lab host h%d: only the lab bridge address, where nothing answers (sealed)\nnameserver %s\n' "$n" "$LAB_GW" >"$hdir/resolv.conf"
  printf '%s' "$hosts_file" >"$hdir/hosts"
  printf '%s\n' \
    "# sshd of lab host h$n (generated by test/lab/up.sh)" \
    "ListenAddress $LAB_NET.$n:22" \
    "HostKey \"$LAB_HOSTKEYS_DIR/h$n\"" \
    "PidFile /run/sshd.pid" \
    "PermitRootLogin prohibit-password" \
    "PubkeyAuthentication yes" \
    "AuthorizedKeysFile .ssh/authorized_keys" \
    "PasswordAuthentication no" \
    "KbdInteractiveAuthentication no" \
    "UsePAM no" \
    "AllowStreamLocalForwarding yes" \
    "AllowTcpForwarding yes" \
    "UseDNS no" \
    "PrintMotd no" \
    "PrintLastLog no" \
    "Subsystem sftp internal-sftp" >"$hdir/sshd_config"
done

# ---- start the hosts (all at once) ---------------------------------------------------------
for ((n = 1; n <= nhosts; n++)); do
  hdir=$LAB_HOSTS_DIR/h$n
  (lab_without_inherited_fds setsid nsenter --net="/run/netns/h$n" \
    unshare --mount --uts --pid --fork --kill-child --propagation private \
    "$LAB_DIR/lib/host-init.sh" "$n" "$hdir" </dev/null >"$hdir/init.log" 2>&1) &
  echo $! >"$hdir/unshare.pid"
done

# ---- client-side files --------------------------------------------------------------------
{
  for ((n = 1; n <= nhosts; n++)); do
    read -r type key _ <"$LAB_HOSTKEYS_DIR/h$n.pub"
    echo "$LAB_NET.$n $type $key"
  done
} >"$LAB_STATE/known_hosts"
{
  echo "# generated by test/lab/up.sh; use with ssh -F $LAB_STATE/ssh_config hN"
  for ((n = 1; n <= nhosts; n++)); do
    printf '%s\n' "Host h$n" "  HostName $LAB_NET.$n" "  Port 22" "  User root" \
      "  IdentityFile \"$LAB_STATE/id_ed25519\"" "  IdentitiesOnly yes" \
      "  UserKnownHostsFile \"$LAB_STATE/known_hosts\"" "  GlobalKnownHostsFile /dev/null" \
      "  StrictHostKeyChecking yes" "  UpdateHostKeys no" "  BatchMode yes" \
      "  ConnectTimeout 10" "  LogLevel ERROR" ""
  done
} >"$LAB_STATE/ssh_config"
{
  printf '['
  for ((n = 1; n <= nhosts; n++)); do
    ((n > 1)) && printf ','
    printf '\n  {"name":"h%d","host":"%s.%d","port":22,"user":"root","identityFile":"%s/id_ed25519"}' \
      "$n" "$LAB_NET" "$n" "$LAB_STATE"
  done
  printf '\n]\n'
} >"$LAB_STATE/hosts.json"

# ---- wait for readiness -------------------------------------------------------------------
wait "$image_pid" || lab_die "image build failed: $(tail -5 "$LAB_STATE/image.log")"
image_tar=$(tail -1 "$LAB_STATE/image.log")

host_report() {
  local hdir=$LAB_HOSTS_DIR/h$1 f
  for f in init.log dockerd.log sshd.log; do
    [[ -s $hdir/$f ]] && { echo "--- h$1 $f (last lines)"; tail -n 8 "$hdir/$f"; }
  done
  return 0
}

# Runs in a subshell per host; prints a one-line error and exits non-zero on failure.
bring_up() {
  local n=$1 hdir=$LAB_HOSTS_DIR/h$1 deadline=$((SECONDS + LAB_TIMEOUT)) pid
  until [[ -e $hdir/ready ]]; do
    if [[ -e $hdir/failed ]]; then
      echo "h$n: $(cat "$hdir/failed")"
      return 1
    fi
    pid=$(cat "$hdir/unshare.pid" 2>/dev/null || true)
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "h$n: host init died during setup (see $hdir/init.log)"
      return 1
    fi
    ((SECONDS < deadline)) || {
      echo "h$n: dockerd/sshd not ready after ${LAB_TIMEOUT}s"
      return 1
    }
    sleep 0.1
  done
  lab_in_host "$n" docker load -q -i "$image_tar" >"$hdir/image-load.log" 2>&1 ||
    { echo "h$n: docker load of $image_tar failed: $(tail -2 "$hdir/image-load.log")"; return 1; }
  until ssh -F "$LAB_STATE/ssh_config" -o ConnectTimeout=5 "h$n" true </dev/null 2>"$hdir/ssh-check.log"; do
    ((SECONDS < deadline)) || {
      echo "h$n: ssh with the lab key failed: $(tail -2 "$hdir/ssh-check.log")"
      return 1
    }
    sleep 0.2
  done
}

declare -A waiters=()
for ((n = 1; n <= nhosts; n++)); do
  bring_up "$n" >"$LAB_HOSTS_DIR/h$n/up.err" 2>&1 9>&- &
  waiters[$n]=$!
done
failed=()
for ((n = 1; n <= nhosts; n++)); do
  wait "${waiters[$n]}" || failed+=("$n")
done
if ((${#failed[@]})); then
  for n in "${failed[@]}"; do
    lab_log "ERROR: host h$n failed: $(cat "$LAB_HOSTS_DIR/h$n/up.err")"
    host_report "$n" >&2
  done
  lab_die "lab NOT up (${#failed[@]} of $nhosts hosts failed); inspect $LAB_HOSTS_DIR, then run test/lab/down.sh"
fi

# The engine and API version of each host (a mixed lab speaks several), checked against LAB_ENGINES.
apis=()
engines_seen=()
for ((n = 1; n <= nhosts; n++)); do
  ver= api=
  read -r ver api < <(lab_in_host "$n" docker version --format '{{.Server.Version}} {{.Server.APIVersion}}' 2>/dev/null) || true
  [[ -n $api ]] || lab_die "h$n: docker version did not answer after start-up (see $LAB_HOSTS_DIR/h$n/dockerd.log)"
  e=${engine_of[n]}
  [[ $e == - || $ver == "$e".* ]] || lab_die "h$n runs dockerd $ver, not the $e that LAB_ENGINES asked for (see $LAB_HOSTS_DIR/h$n/dockerd.log)"
  engines_seen[n]=$ver
  apis[n]=$api
done
{
  echo "# generated by test/lab/up.sh; source it"
  echo "LAB_HOSTS=$nhosts"
  printf 'LAB_STATE=%q\n' "$LAB_STATE"
  printf 'LAB_IMAGE=%q\n' "$LAB_IMAGE"
  # The lowest API version of the lab: every host speaks it.
  echo "LAB_DOCKER_API_VERSION=$(printf '%s\n' "${apis[@]}" | sort -V | head -1)"
  for ((n = 1; n <= nhosts; n++)); do
    echo "LAB_H${n}_IP=$LAB_NET.$n"
    echo "LAB_H${n}_PID=$(cat "$LAB_HOSTS_DIR/h$n/init.pid")"
    printf 'LAB_H%d_ENGINE=%q\n' "$n" "${engines_seen[n]}"
    echo "LAB_H${n}_API=${apis[n]}"
  done
} >"$LAB_STATE/env"

lab_log "up: $nhosts hosts ready in $(lab_elapsed "$start") (engines: $(printf '%s\n' "${engines_seen[@]%%+*}" | sort -V | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }'); state: $LAB_STATE)"
