#!/bin/bash
# Builds the lab's test image swarm-overlay/probe:busybox as a `docker save`-format tar from
# the host's busybox-static (no registry is reachable, so nothing can be pulled).
# Cached in $LAB_STATE/image/; rebuilt only when /bin/busybox or this recipe changes.
# Prints the tar's absolute path on stdout.  Usage: image.sh [--force]
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/lib/common.sh"

RECIPE=1 # bump when the image layout changes
busybox=/bin/busybox
out_dir=$LAB_STATE/image
out=$out_dir/probe-busybox.tar

lab_require_cmds tar sha256sum
[[ -x $busybox ]] || lab_die "$busybox not found (install busybox-static)"
file_is_static() { ! grep -q 'ld-linux' <(head -c 4096 "$1" | tr -c '[:print:]' '\n'); }
file_is_static "$busybox" || lab_die "$busybox is dynamically linked (install busybox-static, not busybox)"

case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  armv7l) arch=arm ;;
  *) arch=$(uname -m) ;;
esac

key="recipe=$RECIPE arch=$arch image=$LAB_IMAGE busybox=$(sha256sum "$busybox" | cut -d' ' -f1)"
if [[ ${1:-} != --force && -s $out && -r $out.key && $(cat "$out.key") == "$key" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$out_dir"
work=$(mktemp -d "$out_dir/build.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

# --- rootfs -------------------------------------------------------------------------------
root=$work/rootfs
mkdir -p "$root"/{bin,etc,dev,proc,sys,tmp,root,var,home,usr}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp "$busybox" "$root/bin/busybox"
chmod 755 "$root/bin/busybox"
applets=$("$busybox" --list)
for a in $applets; do
  [[ $a == busybox || $a == */* ]] && continue
  ln -s busybox "$root/bin/$a"
done
for a in ping nslookup ip nc wget sleep sh; do
  [[ -L $root/bin/$a ]] || lab_die "busybox lacks applet '$a'"
done
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/bin"
ln -s ../bin "$root/usr/sbin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# Deterministic tar: same input -> same digests.
dtar() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu "$@"; }

img=$work/img
mkdir -p "$img"
(cd "$root" && dtar -cf "$work/layer.tar" -- *)
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$img/$layer_sha"
mv "$work/layer.tar" "$img/$layer_sha/layer.tar"
echo -n "1.0" >"$img/$layer_sha/VERSION"

created=1970-01-01T00:00:00Z
bb_version=$("$busybox" 2>&1 | head -1 | sed 's/"/\\"/g' || true)
config=$(printf '{"architecture":"%s","os":"linux","created":"%s","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"swarm-overlay test/lab/image.sh: %s"}]}' \
  "$arch" "$created" "$layer_sha" "$created" "$bb_version")
config_sha=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
printf '%s' "$config" >"$img/$config_sha.json"
# Legacy per-layer json (older loaders); docker load itself follows manifest.json.
printf '{"id":"%s","created":"%s","architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]}}' \
  "$layer_sha" "$created" "$arch" >"$img/$layer_sha/json"

repo=${LAB_IMAGE%:*}
tag=${LAB_IMAGE##*:}
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' \
  "$config_sha" "$LAB_IMAGE" "$layer_sha" >"$img/manifest.json"
printf '{"%s":{"%s":"%s"}}' "$repo" "$tag" "$layer_sha" >"$img/repositories"

(cd "$img" && dtar -cf "$work/image.tar" -- *)
mv "$work/image.tar" "$out"
printf '%s' "$key" >"$out.key"
printf '%s' "sha256:$config_sha" >"$out_dir/image-id"
echo "$out"
