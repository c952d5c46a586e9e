#!/bin/bash
# Service control that runs INSIDE a lab host's namespaces (started by host-init.sh, or by
# ctl.sh/down.sh through nsenter). Usage: svc.sh ACTION N HOSTDIR
#   start-dockerd | stop-dockerd | start-sshd | stop-sshd | shutdown | status
# Daemons are started with `setsid -f`, so they are re-parented to the host's init (PID 1 here).
set -euo pipefail
# The daemons started here outlive the caller: they must not inherit its descriptors (a test
# runner's `flock` lock, a CI pipe). 255 is the descriptor bash reads this script through.
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  ((fd > 2 && fd != 255)) && eval "exec $fd>&-" 2>/dev/null
done
action=$1
n=$2
hdir=$3
timeout=${LAB_TIMEOUT:-60}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

die() {
  echo "svc[h$n]: $*" >&2
  exit 1
}

mypidns=$(readlink /proc/self/ns/pid)

# PIDs (as seen in this host's PID namespace) of processes named $1 that belong to this
# host itself (not to a container, which has a nested PID namespace).
pids_named() {
  local p comm out=()
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    [[ $comm == "$1" ]] || continue
    [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$mypidns" ]] || continue
    out+=("${p#/proc/}")
  done
  echo "${out[@]}"
}

alive_any() {
  local p
  for p in "$@"; do [[ -d /proc/$p ]] && return 0; done
  return 1
}

# Wait until none of the PIDs lives, up to $1 tenths of a second; then SIGKILL them.
wait_gone() {
  local tenths=$1 i
  shift
  for ((i = 0; i < tenths; i++)); do
    alive_any "$@" || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    alive_any "$@" || return 0
    sleep 0.1
  done
}

docker_ok() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_dockerd() {
  if [[ -n $(pids_named dockerd) ]]; then
    :
  else
    rm -f /var/run/docker.sock /var/run/docker.pid
    # The host's engine (up.sh's LAB_ENGINES): its dockerd, containerd and shim come first on PATH;
    # runc stays the machine's.
    local bin=
    [[ -r $hdir/engine-bin ]] && read -r bin <"$hdir/engine-bin"
    [[ -z $bin || -x $bin/dockerd ]] || die "engine binaries missing in $bin (run test/lab/engine.sh $(cat "$hdir/engine"))"
    PATH=${bin:+$bin:}$PATH setsid -f dockerd --bip "172.30.$n.1/24" --host unix:///var/run/docker.sock \
      >>"$hdir/dockerd.log" 2>&1 </dev/null
  fi
  local deadline=$((SECONDS + timeout))
  until docker_ok; do
    ((SECONDS < deadline)) || die "dockerd not answering /_ping after ${timeout}s (see $hdir/dockerd.log)"
    [[ -n $(pids_named dockerd) ]] || die "dockerd exited (see $hdir/dockerd.log)"
    sleep 0.2
  done
}

stop_dockerd() {
  local pids
  pids=$(pids_named dockerd)
  [[ -n $pids ]] || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  # dockerd stops running containers itself (up to 10 s each, in parallel).
  # shellcheck disable=SC2086
  wait_gone 300 $pids
  pids="$(pids_named containerd) $(pids_named containerd-shim-runc-v2)"
  # shellcheck disable=SC2086
  [[ -z ${pids// /} ]] || { kill -KILL $pids 2>/dev/null || true; }
  rm -f /var/run/docker.sock
}

sshd_listening() { (exec 3<>"/dev/tcp/10.99.0.$n/22") 2>/dev/null; }

start_sshd() {
  if [[ -z $(pids_named sshd) ]]; then
    /usr/sbin/sshd -t -f "$hdir/sshd_config" || die "sshd config test failed"
    setsid -f /usr/sbin/sshd -D -f "$hdir/sshd_config" -E "$hdir/sshd.log" </dev/null >/dev/null 2>&1
  fi
  local deadline=$((SECONDS + timeout))
  until sshd_listening; do
    ((SECONDS < deadline)) || die "sshd not listening on 10.99.0.$n:22 after ${timeout}s (see $hdir/sshd.log)"
    sleep 0.1
  done
}

# Stops the listener AND every open session (like a host whose sshd died): clients see their
# connections drop.
stop_sshd() {
  local pids
  pids=$(pids_named sshd)
  [[ -n $pids ]] || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  # shellcheck disable=SC2086
  wait_gone 30 $pids
}

# Fast teardown used by down.sh: kill containers, TERM sshd+dockerd, short grace.
# The caller SIGKILLs init afterwards, which ends whatever is left.
shutdown() {
  local ids pids
  if [[ -S /var/run/docker.sock ]]; then
    ids=$(timeout 2 docker ps -q 2>/dev/null || true)
    # shellcheck disable=SC2086
    [[ -z $ids ]] || timeout 3 docker kill $ids >/dev/null 2>&1 || true
  fi
  pids="$(pids_named sshd) $(pids_named dockerd)"
  if [[ -n ${pids// /} ]]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    # shellcheck disable=SC2086
    wait_gone 15 $pids
  fi
}

status() {
  local d s
  d=$(pids_named dockerd)
  s=$(pids_named sshd)
  if [[ -n $d ]]; then echo "dockerd: running (pid $d in host)"; else echo "dockerd: stopped"; fi
  if [[ -n $s ]]; then echo "sshd: running (pids $s in host)"; else echo "sshd: stopped"; fi
}

case $action in
  start-dockerd) start_dockerd ;;
  stop-dockerd) stop_dockerd ;;
  start-sshd) start_sshd ;;
  stop-sshd) stop_sshd ;;
  shutdown) shutdown ;;
  status) status ;;
  *) die "unknown action '$action'" ;;
esac
