# shellcheck shell=bash disable=SC2034  # constants used by the sourcing scripts
# Shared settings and helpers for the lab scripts (sourced, never run).
# Everything here is fixed by design; only LAB_STATE (state dir) and
# LAB_TIMEOUT (readiness timeout, seconds) may be overridden from the environment.

LAB_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
LAB_STATE=$(realpath -m -- "${LAB_STATE:-$LAB_DIR/.state}")
LAB_TIMEOUT=${LAB_TIMEOUT:-60}

LAB_MAX_HOSTS=16
LAB_BRIDGE=brlab
LAB_NET=10.99.0          # host N is $LAB_NET.N
LAB_GW=10.99.0.254       # bridge address in the root namespace; nothing answers DNS there
LAB_IMAGE=swarm-overlay/probe:busybox
LAB_CHAIN_FWD=SWARMLAB-FWD
LAB_CHAIN_IN=SWARMLAB-IN
LAB_COMMENT=swarm-overlay-lab
LAB_HOSTS_DIR=$LAB_STATE/hosts       # per-host runtime dirs (deleted by down.sh)
LAB_HOSTKEYS_DIR=$LAB_STATE/hostkeys # sshd host keys (kept, so known_hosts is stable)
LAB_ENGINE_CHOICES="20.10 26.1"      # engine.sh: 20.10 = this machine's (Debian 12), 26.1 = Debian 13's

export LAB_DIR LAB_STATE
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export PATH
# Our docker calls always mean "the daemon of the lab host we are in".
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }

lab_now_ms() {
  local t=${EPOCHREALTIME//[.,]/}
  echo $((10#$t / 1000))
}
lab_elapsed() { # $1 = start from lab_now_ms -> "1.234s"
  local d=$(($(lab_now_ms) - $1))
  printf '%d.%03ds' $((d / 1000)) $((d % 1000))
}

lab_require_root() {
  [[ $(id -u) -eq 0 ]] || lab_die "must run as root (needs namespaces, iptables)"
}

lab_require_cmds() {
  local c missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  ((${#missing[@]} == 0)) || lab_die "missing commands: ${missing[*]} (install docker.io openssh-server busybox-static iptables iproute2)"
}

# The machine's own engine must be the 20.10 that LAB_ENGINES=20.10 promises.
lab_system_engine_check() {
  local v
  v=$(dockerd --version 2>/dev/null) || lab_die "dockerd not found (install docker.io)"
  [[ $v == "Docker version 20.10."* ]] || lab_die "LAB_ENGINES asks for 20.10, but this machine's dockerd is '$v' (Debian 12's docker.io is 20.10)"
}

# "h3" or "3" -> 3; dies on anything else.
lab_host_num() {
  local a=${1:-}
  a=${a#h}
  if ! [[ $a =~ ^[0-9]+$ ]] || ((10#$a < 1 || 10#$a > LAB_MAX_HOSTS)); then
    lab_die "bad host '${1:-}' (expected h1..h$LAB_MAX_HOSTS)"
  fi
  echo "$((10#$a))"
}

# Is PID a live init process of a lab host?
lab_is_init() {
  local pid=$1 comm
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ $comm == host-init.sh ]]
}

# Prints the root-namespace PID of host N's init, or fails.
lab_init_pid() {
  local n=$1 pid
  pid=$(cat "$LAB_HOSTS_DIR/h$n/init.pid" 2>/dev/null) || return 1
  lab_is_init "$pid" || return 1
  echo "$pid"
}

# Run a command inside host N (net+mnt+uts+pid namespaces of its init).
lab_in_host() {
  local n=$1 pid wd=/
  shift
  pid=$(lab_init_pid "$n") || { lab_log "host h$n is not running (no live init; run test/lab/up.sh)"; return 125; }
  case $PWD in
    /run* | /var/run* | /var/lib/docker* | /etc/docker* | /root* | /proc* | /sys*) wd=/ ;;
    *) [[ -d $PWD ]] && wd=$PWD ;;
  esac
  nsenter --target "$pid" --net --mount --uts --pid --wdns="$wd" -- "$@"
}

# Runs a command with no file descriptor above 2 inherited: the lab's daemons live on after the
# script that started them, and an inherited descriptor (a caller's `flock` lock, a CI runner's
# pipe) would stay held for as long as they run.
lab_without_inherited_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    ((fd > 2)) && eval "exec $fd>&-" 2>/dev/null
  done
  exec "$@"
}

# Pin the Engine API version (docker CLI 28 vs dockerd 20.10: negotiation can fail under load):
# host N's own version with an argument, else the lab's lowest (every host speaks it).
lab_pin_api() {
  if [[ -z ${DOCKER_API_VERSION:-} && -r $LAB_STATE/env ]]; then
    local v=
    [[ -n ${1:-} ]] && v=$(sed -n "s/^LAB_H$1_API=//p" "$LAB_STATE/env")
    [[ -n $v ]] || v=$(sed -n 's/^LAB_DOCKER_API_VERSION=//p' "$LAB_STATE/env")
    [[ -n $v ]] && export DOCKER_API_VERSION=$v
  fi
  return 0
}
