#!/bin/bash
# Runs a command inside lab host hN (its net+mount+UTS+PID namespaces), e.g.
#   test/lab/exec.sh h2 docker ps
#   test/lab/exec.sh h3 iptables -A OUTPUT -p tcp --dport 2377 -j REJECT
# stdin/stdout/stderr and the exit code are the command's. `docker` talks to that host's
# daemon (DOCKER_HOST etc. are cleared; DOCKER_API_VERSION is pinned to that host's unless set).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib/common.sh"

(($# >= 2)) || lab_die "usage: exec.sh hN CMD [ARG...]"
lab_require_root
n=$(lab_host_num "$1")
shift
lab_pin_api "$n"
lab_in_host "$n" "$@"
