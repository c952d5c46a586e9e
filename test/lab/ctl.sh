#!/bin/bash
# Fault injection on a lab host:  ctl.sh hN ACTION
#   stop-sshd     kill sshd: the listener and every open session (connections drop)
#   start-sshd    start sshd, return once it listens on 10.99.0.N:22
#   stop-dockerd  SIGTERM dockerd (it stops its containers first), wait until it is gone
#   start-dockerd start dockerd, return once it answers /_ping
#   status        dockerd/sshd state and the host's memory (RSS of its own processes)
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib/common.sh"

(($# == 2)) || lab_die "usage: ctl.sh hN stop-sshd|start-sshd|stop-dockerd|start-dockerd|status"
lab_require_root
n=$(lab_host_num "$1")
action=$2
case $action in
  stop-sshd | start-sshd | stop-dockerd | start-dockerd | status) ;;
  *) lab_die "unknown action '$action' (stop-sshd|start-sshd|stop-dockerd|start-dockerd|status)" ;;
esac
pid=$(lab_init_pid "$n") || lab_die "host h$n is not running (run test/lab/up.sh)"
lab_in_host "$n" "$LAB_DIR/lib/svc.sh" "$action" "$n" "$LAB_HOSTS_DIR/h$n"

if [[ $action == status ]]; then
  # Memory: processes of the host itself (its PID namespace), not its containers.
  pidns=$(readlink "/proc/$pid/ns/pid")
  # PSS splits pages shared between hosts (same dockerd binary) fairly; RSS counts them fully.
  rss_kb=0
  pss_kb=0
  count=0
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$pidns" ]] || continue
    read -r rss pss < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } END { print r + 0, p + 0 }' "$p/smaps_rollup" 2>/dev/null || echo 0 0)
    rss_kb=$((rss_kb + rss))
    pss_kb=$((pss_kb + pss))
    count=$((count + 1))
  done
  echo "memory: $((pss_kb / 1024)) MB PSS ($((rss_kb / 1024)) MB RSS) in $count processes (init pid $pid)"
fi
