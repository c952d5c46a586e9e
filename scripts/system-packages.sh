#!/usr/bin/env bash
# Installs the Debian packages a step needs, once, the same way for `npm test`, `npm run demo` and the
# e2e setup. Arguments: CHECK:PACKAGE pairs; CHECK is a command name, an absolute path that must
# exist, or dpkg=NAME (installed per dpkg). Nothing happens when every check passes.
# Usage: bash scripts/system-packages.sh WHO dockerd:docker.io ssh:openssh-client ...
set -euo pipefail
who=$1
shift
die() { echo "$who: $*" >&2; exit 2; }

need=()
for pair in "$@"; do
  check=${pair%%:*}
  pkg=${pair#*:}
  case "$check" in
    dpkg=*) dpkg-query -W -f='${Status}' "${check#dpkg=}" 2>/dev/null | grep -q 'install ok installed' && continue ;;
    /*) [ -e "$check" ] && continue ;;
    *) { command -v "$check" >/dev/null || [ -x "/usr/sbin/$check" ] || [ -x "/sbin/$check" ]; } && continue ;;
  esac
  need+=("$pkg")
done
[ ${#need[@]} -eq 0 ] && exit 0

[ "$(id -u)" = 0 ] || die "missing Debian packages ${need[*]}: run as root, or first: sudo apt-get install -y ${need[*]}"
command -v apt-get >/dev/null || die "missing ${need[*]}, and this machine has no apt-get to install them."
echo "$who: installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The package lists may be missing or stale on a fresh machine: update once, then install.
if ! apt-get install -y -qq --no-install-recommends "${need[@]}" >"$log" 2>&1; then
  apt-get update -qq >>"$log" 2>&1 || { tail -5 "$log" >&2; die "apt-get update failed."; }
  apt-get install -y -qq --no-install-recommends "${need[@]}" >>"$log" 2>&1 \
    || { tail -5 "$log" >&2; die "apt-get could not install ${need[*]}."; }
fi
