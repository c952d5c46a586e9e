#!/usr/bin/env bash
# npm run demo: a local lab of Docker hosts reached over SSH, and what Swarm Overlay sees of it.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "demo: $*" >&2; exit 1; }
[ "$(uname -s)" = Linux ] || die "the demo builds its lab with Linux namespaces, so it needs Linux."
[ "$(id -u)" = 0 ] || die "the demo builds network namespaces, dockerd and sshd, so it must run as root (try: sudo npm run demo)."
command -v apt-get >/dev/null || die "the demo installs its Debian packages with apt-get, which this machine does not have."

need=()
for pair in dockerd:docker.io sshd:openssh-server ssh:openssh-client busybox:busybox-static iptables:iptables ip:iproute2; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] || [ -x "/bin/$cmd" ] || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || die "apt-get could not install ${need[*]}."
fi

echo "== building"
npm run --silent build
echo "== lab: ${LAB_HOSTS:-3} Docker hosts, each with its own dockerd and sshd"
bash test/lab/up.sh "${LAB_HOSTS:-3}"
S=test/lab/.state
echo
echo "== swarm-overlay hosts"
node dist/cli.js --hosts "$S/hosts.json" --known-hosts "$S/known_hosts" --ssh-config "$S/ssh_config" hosts || true
echo
echo "The lab stays up. Try: node dist/cli.js --hosts $S/hosts.json --known-hosts $S/known_hosts --json hosts"
echo "Remove it with: npm run lab:down"
