#!/usr/bin/env bash
# The host half of the static site's deployment: pulls the deployment repository, and when the
# unikernel image in it changed, stops the running unikernel and boots the new one. Run it from
# cron (every few minutes) or as the repository's git post-merge hook.
#
#   ci/redeploy.sh REPO IMAGE_IN_REPO -- COMMAND TO RUN THE IMAGE...
#
# e.g. ci/redeploy.sh /srv/site-deploy static-site.spt -- \
#          swiftlet-spt --net:service=tap0 {} -- --ipv4=10.0.0.2/24
# `{}` in the command stands for the image's path. The unikernel runs in the background; its
# PID and the SHA-256 of the image it runs are kept in REPO/.redeploy/. Exits 0 when nothing
# changed or the new image is up (it answered on its port if REDEPLOY_CHECK_URL is set).
set -euo pipefail
if [ $# -lt 4 ] || [ "$3" != "--" ]; then
    echo "usage: ci/redeploy.sh REPO IMAGE_IN_REPO -- COMMAND..." >&2
    exit 2
fi
repo="$1" image="$1/$2"
shift 3
state="$repo/.redeploy"
mkdir -p "$state"

# Pull unless run as the post-merge hook (which runs after a pull already happened).
if [ -z "${GIT_DIR:-}" ] && [ -d "$repo/.git" ]; then
    git -C "$repo" pull --ff-only --quiet || echo "redeploy: git pull failed; deploying what is checked out" >&2
fi
[ -f "$image" ] || { echo "redeploy: no image at $image" >&2; exit 1; }

new="$(sha256sum "$image" | cut -d' ' -f1)"
old="$(cat "$state/sha256" 2>/dev/null || true)"
pid="$(cat "$state/pid" 2>/dev/null || true)"
if [ "$new" = "$old" ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo "redeploy: $image unchanged and running (pid $pid)"
    exit 0
fi

# Stop the old unikernel: TERM, then KILL after 5 s.
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
fi

# Boot the new one on a copy, so the next pull can replace the file while it runs.
cp "$image" "$state/running-image"
command=()
for word in "$@"; do command+=("${word//\{\}/$state/running-image}"); done
nohup "${command[@]}" >"$state/console.log" 2>&1 &
echo $! >"$state/pid"
echo "$new" >"$state/sha256"
echo "redeploy: booted $image ($new) as pid $!"

if [ -n "${REDEPLOY_CHECK_URL:-}" ]; then
    for _ in $(seq 100); do
        if curl -fs -o /dev/null --max-time 1 "$REDEPLOY_CHECK_URL"; then echo "redeploy: $REDEPLOY_CHECK_URL answers"; exit 0; fi
        sleep 0.2
    done
    echo "redeploy: $REDEPLOY_CHECK_URL does not answer; console in $state/console.log" >&2
    exit 1
fi
