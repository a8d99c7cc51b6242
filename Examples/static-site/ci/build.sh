#!/usr/bin/env bash
# The CI half of the static site's deployment: rebuilds the unikernel with the current site/
# baked in, and leaves one image to deploy in dist/. Run it from a CI job on every push.
#
#   ci/build.sh [TARGET]        TARGET: virtio (default), spt, hvt or unix
#
# `site/` is whatever your generator made (Jekyll's _site, Hugo's public, …): copy or generate
# it into Examples/static-site/site before this runs. The image carries the site (--kv_ro
# crunch), so deploying is replacing one file and rebooting. Prints the image's path and its
# SHA-256, which the host side (ci/redeploy.sh) uses to see that something changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:-virtio}"
case "$target" in unix|spt|hvt|virtio) ;; *) echo "usage: ci/build.sh [unix|spt|hvt|virtio]" >&2; exit 2 ;; esac
swiftlet="${SWIFTLET:-$(command -v swiftlet || echo "$here/../../bin/swiftlet")}"
[ -d "$here/site" ] || { echo "ci/build.sh: no site/ folder in $here: generate the site first" >&2; exit 1; }

cd "$here"
"$swiftlet" configure -t "$target" --kv_ro crunch
"$swiftlet" build
image="dist/static-site"
[ "$target" = unix ] || image="dist/static-site.$target"
[ "$target" = virtio ] && "$swiftlet" mkimage --format raw,gce >/dev/null
echo "image: $here/$image"
echo "sha256: $(sha256sum "$image" | cut -d' ' -f1)"
