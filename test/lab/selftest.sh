#!/bin/bash
# Self-check of a running lab (run test/lab/up.sh first; needs >= 2 hosts).
# Prints PASS/FAIL lines and "N passed, M failed"; exits non-zero on any failure.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib/common.sh"

lab_require_root
[[ -r $LAB_STATE/env ]] || lab_die "lab is not up ($LAB_STATE/env missing): run test/lab/up.sh"
# shellcheck source=/dev/null
. "$LAB_STATE/env"
((LAB_HOSTS >= 2)) || lab_die "selftest needs at least 2 hosts (lab has $LAB_HOSTS)"
lab_pin_api

cfg=$LAB_STATE/ssh_config
img=$LAB_IMAGE
passed=0
failed=0
start=$(lab_now_ms)

pass() {
  echo "PASS: $1"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL: $1${2:+ -- $2}"
  failed=$((failed + 1))
}
# check NAME CMD... : PASS if CMD succeeds.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(tail -n 3 <<<"$out" | tr '\n' ' ')"; fi
}
# check_fails NAME CMD... : PASS if CMD fails.
check_fails() {
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then fail "$name" "unexpectedly succeeded"; else pass "$name"; fi
}
# on hN CMD... : run CMD on a lab host over SSH (generated ssh_config), 60 s cap.
on() {
  local h=$1
  shift
  timeout 60 ssh -F "$cfg" "$h" "$@" </dev/null
}

# ---- 1. SSH + Docker on every host -------------------------------------------------------
for ((n = 1; n <= LAB_HOSTS; n++)); do
  check "h$n: ssh + docker version over ssh" on "h$n" "docker version --format '{{.Server.Version}}' && test \"\$(hostname)\" = h$n"
done
check_fails "unauthorized key is rejected" timeout 20 ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes \
  -o IdentityFile="$LAB_STATE/wrong_id_ed25519" -o UserKnownHostsFile="$LAB_STATE/known_hosts" \
  -o StrictHostKeyChecking=yes -o ConnectTimeout=5 root@10.99.0.1 true
check "h1: probe image runs, has ping nslookup ip nc wget sleep" on h1 \
  "docker run --rm $img sh -c 'ping -c1 -W2 127.0.0.1 && for t in ping nslookup ip nc wget sleep; do command -v \$t || exit 1; done'"

# ---- 2. Swarm + overlay smoke test ---------------------------------------------------------
net=lab-selftest
cleanup_swarm() {
  on h1 "docker rm -f st-p1" >/dev/null 2>&1 || true
  on h2 "docker rm -f st-p2" >/dev/null 2>&1 || true
  on h1 "docker network rm $net" >/dev/null 2>&1 || true
  on h2 "docker swarm leave --force" >/dev/null 2>&1 || true
  on h1 "docker swarm leave --force" >/dev/null 2>&1 || true
}
trap cleanup_swarm EXIT
cleanup_swarm # leftovers from an interrupted run

t=$(lab_now_ms)
if check "swarm init on h1 (advertise 10.99.0.1)" on h1 "docker swarm init --advertise-addr 10.99.0.1 --listen-addr 10.99.0.1:2377"; then
  token=$(on h1 "docker swarm join-token -q worker" 2>/dev/null || true)
  check "h2 joins as worker" on h2 "docker swarm join --token '$token' --advertise-addr 10.99.0.2 10.99.0.1:2377"
  check "attachable overlay network created" on h1 "docker network create -d overlay --attachable $net"
  check "container on h1 attached to overlay" on h1 "docker run -d --name st-p1 --network $net $img sleep 300"
  check "container on h2 attached to overlay" on h2 "docker run -d --name st-p2 --network $net $img sleep 300"
  check "h1 -> h2 ping by name over overlay" on h1 "docker exec st-p1 ping -c1 -W3 st-p2"
  check "h2 -> h1 ping by name over overlay" on h2 "docker exec st-p2 ping -c1 -W3 st-p1"
fi
cleanup_swarm
trap - EXIT
check "swarm cleaned up on h1 (inactive, no containers)" on h1 \
  "test \"\$(docker info --format '{{.Swarm.LocalNodeState}}')\" = inactive && test -z \"\$(docker ps -aq)\""
check "swarm cleaned up on h2 (inactive, no containers)" on h2 "test \"\$(docker info --format '{{.Swarm.LocalNodeState}}')\" = inactive && test -z \"\$(docker ps -aq)\""
echo "      (swarm smoke test took $(lab_elapsed "$t"))"

# ---- 3. Sealing -----------------------------------------------------------------------------
rejects() { iptables -w -L "$LAB_CHAIN_IN" -v -x -n 2>/dev/null | awk '$3 == "REJECT" { s += $1 } END { print s + 0 }'; }
dev=eth0
ip link show "$dev" >/dev/null 2>&1 || dev=$(ip -4 route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
addr=
[[ -n $dev ]] && addr=$(ip -4 -o addr show dev "$dev" | awk '{ split($4, a, "/"); print a[1]; exit }')
check "h1 container reaches lab host 10.99.0.2 (control)" on h1 "docker run --rm $img ping -c1 -W2 10.99.0.2"
if [[ -n $addr ]]; then
  before=$(rejects)
  check_fails "h1 container cannot reach root ns $dev address $addr" on h1 "docker run --rm $img ping -c1 -W1 $addr"
  check_fails "h1 itself cannot reach root ns $dev address $addr" "$LAB_DIR/exec.sh" h1 ping -c1 -W1 "$addr"
  after=$(rejects)
  if ((after > before)); then pass "sealing rule ($LAB_CHAIN_IN) rejected those probes"; else fail "sealing rule ($LAB_CHAIN_IN) not hit" "$before -> $after"; fi
else
  echo "SKIP: no root-namespace address on eth0 or default route (sealing probe to it skipped)"
fi
t=$(lab_now_ms)
if on h1 "timeout 30 docker pull swarm-overlay/nope:1" >/dev/null 2>&1; then
  fail "pull on h1 fails (no registry reachable)" "pull succeeded?!"
else
  d=$(($(lab_now_ms) - t))
  if ((d <= 12000)); then pass "pull on h1 fails fast ($(lab_elapsed "$t"))"; else fail "pull on h1 fails fast" "took $(lab_elapsed "$t")"; fi
fi

# ---- summary ------------------------------------------------------------------------------
for ((n = 1; n <= LAB_HOSTS; n++)); do
  engine_var=LAB_H${n}_ENGINE
  echo "      h$n dockerd ${!engine_var:-?}, $("$LAB_DIR/ctl.sh" "h$n" status 2>/dev/null | grep '^memory' || echo 'memory: ?')"
done
echo "selftest: $passed passed, $failed failed ($(lab_elapsed "$start"))"
echo "$passed passed, $failed failed"
((failed == 0))
