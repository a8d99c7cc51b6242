#!/usr/bin/env bash
# The host half of the static site's deployment: pulls the deployment repository, and when the
# unikernel image in it changed, boots the new one, checks that it answers, and only then lets
# it replace the running one. Run it from cron (every few minutes) and as the repository's git
# post-merge hook: a lock makes the second of two runs wait for the first.
#
#   ci/redeploy.sh REPO IMAGE_IN_REPO -- COMMAND TO RUN THE IMAGE...
#
# `{}` in the command stands for the image's path, `{slot}` for 0 or 1 (below).
#
#   REDEPLOY_CHECK_URL  a URL the new unikernel must answer (2xx/3xx) within REDEPLOY_CHECK_SECONDS
#                       (default 20) before it counts as up; `{slot}` may appear in it too.
#   REDEPLOY_SWITCH     with slots: a shell command that sends the traffic to slot {slot}, e.g.
#                       rewrite a reverse proxy's upstream and reload it (nginx -s reload).
#   REDEPLOY_DRAIN_SECONDS  how long the old unikernel keeps running after the switch, for the
#                       requests it still serves (default 2).
#   REDEPLOY_STOP_SECONDS   how long a stopped unikernel has after SIGTERM before SIGKILL (default 5).
#
# Two ways to run, chosen by the command:
#
# * With `{slot}` (blue/green, no downtime): the new unikernel boots on the slot the old one
#   does not use (another tap/address or port, e.g. --net:service=tap{slot}), is checked there
#   while the old one keeps serving, then REDEPLOY_SWITCH moves the traffic and the old one
#   stops. A new image that does not start or does not answer is stopped; the old one never
#   stopped serving.
#       ci/redeploy.sh /srv/deploy static-site.spt -- \
#           swiftlet-spt --net:service=tap{slot} {} -- --ipv4=10.0.{slot}.2/24
# * Without `{slot}` (one address): the old one stops, the new one boots and is checked; if it
#   fails, it is stopped and the previous image boots again. The site is down while they switch.
#
# State is kept in REPO/.redeploy/: the running unikernel's pid, slot and SHA-256, a copy of
# its image, its console log, and the SHA-256 of an image that failed (not retried until the
# image changes again). Exits 0 when nothing changed or the new image is up, 1 when it failed
# (the old one still running), 2 on a usage mistake.
set -euo pipefail
if [ $# -lt 4 ] || [ "$3" != "--" ]; then
    echo "usage: ci/redeploy.sh REPO IMAGE_IN_REPO -- COMMAND..." >&2
    exit 2
fi
repo="$1" image="$1/$2"
shift 3
state="$repo/.redeploy"
mkdir -p "$state"
say() { echo "redeploy: $*"; }

# One run at a time: cron and the post-merge hook may fire together.
exec 9>"$state/lock"
if ! flock -w "${REDEPLOY_LOCK_SECONDS:-600}" 9; then
    say "another redeploy has held $state/lock for ${REDEPLOY_LOCK_SECONDS:-600} s; giving up" >&2
    exit 1
fi

# Pull unless run as the post-merge hook (which runs after a pull already happened).
if [ -z "${GIT_DIR:-}" ] && [ -d "$repo/.git" ]; then
    git -C "$repo" pull --ff-only --quiet || say "git pull failed; deploying what is checked out" >&2
fi
[ -f "$image" ] || { say "no image at $image" >&2; exit 1; }

slotted=false
for word in "$@"; do [[ "$word" == *"{slot}"* ]] && slotted=true; done

new="$(sha256sum "$image" | cut -d' ' -f1)"
old="$(cat "$state/sha256" 2>/dev/null || true)"
pid="$(cat "$state/pid" 2>/dev/null || true)"
slot="$(cat "$state/slot" 2>/dev/null || echo 1)"
running() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
if [ "$new" = "$old" ] && running "$pid"; then
    say "$image unchanged and running (pid $pid)"
    exit 0
fi
if [ "$new" = "$(cat "$state/failed-sha256" 2>/dev/null || true)" ] && running "$pid"; then
    say "$image ($new) failed its check before; still serving the previous image (pid $pid)"
    exit 1
fi

stop() {  # TERM, then KILL after REDEPLOY_STOP_SECONDS (default 5)
    running "$1" || return 0
    kill "$1" 2>/dev/null || true
    for _ in $(seq $((${REDEPLOY_STOP_SECONDS:-5} * 10))); do running "$1" || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
}

# Boots image file $1 on slot $2 in the background; sets `booted` to its pid.
boot() {
    local command=() word
    for word in "${run_command[@]}"; do
        word="${word//\{\}/$1}"
        command+=("${word//\{slot\}/$2}")
    done
    # 9>&-: the unikernel must not hold the lock after this run ends.
    nohup "${command[@]}" >"$state/console-$2.log" 2>&1 9>&- &
    booted=$!
}

# Whether pid $1 answers the check URL for slot $2 in time.
answers() {
    [ -n "${REDEPLOY_CHECK_URL:-}" ] || { sleep 1; running "$1"; return; }
    local url="${REDEPLOY_CHECK_URL//\{slot\}/$2}" deadline=$((SECONDS + ${REDEPLOY_CHECK_SECONDS:-20}))
    while [ $SECONDS -lt $deadline ]; do
        running "$1" || return 1
        curl -fs -o /dev/null --max-time 1 "$url" && return 0
        sleep 0.2
    done
    return 1
}

run_command=("$@")
# The new unikernel runs a copy, so the next pull can replace the file while it runs.
cp "$image" "$state/image-$new"
if $slotted; then
    next=$((1 - slot))
    [ -n "$pid" ] && running "$pid" || next=0
    boot "$state/image-$new" "$next"
    say "booted $image ($new) on slot $next as pid $booted"
    if ! answers "$booted" "$next"; then
        stop "$booted"
        echo "$new" >"$state/failed-sha256"
        rm -f "$state/image-$new"
        say "the new image did not answer ${REDEPLOY_CHECK_URL//\{slot\}/$next} on slot $next; stopped it, the old one (pid ${pid:-none}) keeps serving; console in $state/console-$next.log" >&2
        exit 1
    fi
    if [ -n "${REDEPLOY_SWITCH:-}" ]; then
        if ! sh -c "${REDEPLOY_SWITCH//\{slot\}/$next}"; then
            stop "$booted"
            say "REDEPLOY_SWITCH failed; stopped the new image, the old one keeps serving" >&2
            exit 1
        fi
    fi
    if running "$pid"; then sleep "${REDEPLOY_DRAIN_SECONDS:-2}"; fi
    stop "$pid"
    slot=$next
else
    stop "$pid"
    boot "$state/image-$new" 0
    say "booted $image ($new) as pid $booted"
    if ! answers "$booted" 0; then
        stop "$booted"
        echo "$new" >"$state/failed-sha256"
        rm -f "$state/image-$new"
        say "the new image did not answer ${REDEPLOY_CHECK_URL:-its check}; console in $state/console-0.log" >&2
        if [ -n "$old" ] && [ -f "$state/image-$old" ]; then
            boot "$state/image-$old" 0
            echo "$booted" >"$state/pid"
            say "restored the previous image ($old) as pid $booted" >&2
        fi
        exit 1
    fi
    slot=0
fi
# The old image's copy goes once the new one serves.
[ -n "$old" ] && [ "$old" != "$new" ] && rm -f "$state/image-$old"
echo "$booted" >"$state/pid"
echo "$slot" >"$state/slot"
echo "$new" >"$state/sha256"
rm -f "$state/failed-sha256"
say "$image ($new) is up on slot $slot (pid $booted)"
