#!/bin/bash
# The Docker engines the lab can run, one per host (up.sh's LAB_ENGINES):
#   20.10  the machine's own dockerd and containerd (Debian 12's docker.io); nothing to fetch
#   26.1   Debian 13's docker.io and containerd, fetched from the Debian mirror this machine already
#          uses (a separate apt sources list for trixie; the system's apt state is not touched) and
#          unpacked with dpkg -x into .cache/engines/26.1 (git-ignored). The machine's runc is kept:
#          Debian 13's needs a newer glibc.
# Prints the directory to put first on PATH for that engine (nothing for 20.10). Idempotent: a
# complete cache (marker file .complete) is reused without any download.
# Usage: engine.sh VERSION      Env: LAB_ENGINE_CACHE (default <repo>/.cache/engines)
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib/common.sh"

(($# == 1)) || lab_die "usage: engine.sh VERSION (one of: $LAB_ENGINE_CHOICES)"
version=$1
case $version in
  20.10)
    lab_system_engine_check
    exit 0
    ;;
  26.1) suite=trixie ;;
  *) lab_die "unknown engine '$version' (choose one of: $LAB_ENGINE_CHOICES)" ;;
esac

cache=$(realpath -m -- "${LAB_ENGINE_CACHE:-$LAB_DIR/../../.cache/engines}")
dest=$cache/$version
bins=(dockerd containerd containerd-shim-runc-v2 docker-proxy)

complete() { # the marker, and every binary it promises
  local b
  [[ -f $dest/.complete ]] || return 1
  for b in "${bins[@]}"; do [[ -x $dest/bin/$b ]] || return 1; done
}
if complete; then
  echo "$dest/bin"
  exit 0
fi

lab_require_cmds apt-get dpkg-deb flock
mkdir -p "$cache"
exec 8>"$cache/.lock"
flock -w 600 8 || lab_die "another engine.sh holds $cache/.lock for more than 10 minutes; try again when it is done"
if complete; then # fetched while we waited
  echo "$dest/bin"
  exit 0
fi
start=$(lab_now_ms)

# The Debian mirror this machine uses: the first archive URI (not -security) in its apt sources.
mirror=${LAB_DEBIAN_MIRROR:-}
if [[ -z $mirror ]]; then
  mirror=$(
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
      sed -nE -e 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p' \
        -e 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' |
      grep -E '/debian/?$' | head -1 || true
  )
fi
[[ -n $mirror ]] || lab_die "no Debian mirror found in /etc/apt/sources.list*; set LAB_DEBIAN_MIRROR (e.g. http://deb.debian.org/debian)"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r $keyring ]] || lab_die "$keyring not found (install debian-archive-keyring)"

work=$(mktemp -d "$cache/.$version.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$work/apt/state/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/parts" "$work/debs" "$work/root" "$work/bin"
echo "deb [signed-by=$keyring] $mirror $suite main" >"$work/apt/sources.list"
# apt downloads as the unprivileged _apt user when run as root: let it write there.
if [[ $(id -u) -eq 0 ]] && id _apt >/dev/null 2>&1; then
  chmod 755 "$work" "$work/apt" "$work/debs"
  chown -R _apt "$work/apt/state/lists/partial" "$work/apt/cache/archives/partial" "$work/debs"
fi
apt_opts=(
  -o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=$work/apt/parts"
  -o "Dir::State=$work/apt/state" -o "Dir::Cache=$work/apt/cache" -o "Dir::State::status=/var/lib/dpkg/status"
  -o Acquire::Languages=none -o APT::Get::List-Cleanup=0 -q
)
lab_log "engine $version: fetching Debian $suite docker.io and containerd from $mirror"
apt-get "${apt_opts[@]}" update >"$work/apt.log" 2>&1 ||
  lab_die "apt-get update for Debian $suite from $mirror failed: $(tail -2 "$work/apt.log" | tr '\n' ' ')"
(cd "$work/debs" && apt-get "${apt_opts[@]}" download docker.io containerd) >>"$work/apt.log" 2>&1 ||
  lab_die "apt-get download docker.io containerd (Debian $suite) failed: $(tail -2 "$work/apt.log" | tr '\n' ' ')"
for deb in "$work"/debs/*.deb; do
  dpkg-deb -x "$deb" "$work/root" || lab_die "dpkg -x $deb failed"
done

# Only the daemons go on PATH; the CLI stays the machine's, and so does runc.
for b in "${bins[@]}"; do
  f=$(find "$work/root/usr/bin" "$work/root/usr/sbin" -maxdepth 1 -name "$b" -type f 2>/dev/null | head -1)
  [[ -n $f ]] || lab_die "Debian $suite's packages lack $b"
  ln -s "../root${f#"$work/root"}" "$work/bin/$b"
done
got=$("$work/bin/dockerd" --version 2>&1) || lab_die "Debian $suite's dockerd does not run on this machine: $got"
[[ $got =~ version\ ([0-9]+\.[0-9]+)\.[0-9]+ ]] || lab_die "cannot read the version from '$got'"
[[ ${BASH_REMATCH[1]} == "$version" ]] ||
  lab_die "Debian $suite now ships dockerd ${BASH_REMATCH[1]}, not $version: update the engine list in test/lab/engine.sh"
"$work/bin/containerd" --version >/dev/null 2>&1 || lab_die "Debian $suite's containerd does not run on this machine"

{
  echo "$got"
  "$work/bin/containerd" --version
  for deb in "$work"/debs/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd' '; done
  echo "from $mirror $suite, $(date -u +%FT%TZ)"
} >"$work/.complete.tmp"
rm -rf "$work/apt" "$work/debs"
rm -rf -- "$dest"
mv "$work/.complete.tmp" "$work/.complete"
chmod 755 "$work"
mv "$work" "$dest"
trap - EXIT
lab_log "engine $version: $(head -1 "$dest/.complete") ready in $(lab_elapsed "$start") ($dest)"
echo "$dest/bin"
