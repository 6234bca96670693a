#!/usr/bin/env bash
# Measures the captive portal's landing page with Debian's wrk at about
# 2,000 requests a second, and for comparison closed-loop, against
# "wifihk serve -demo" built from this tree.
#
#   bench/portalload/landing-wrk.sh [DURATION] [CONNECTIONS]
#
# The URL is the demo gateway's real redirect (res=notyet, a challenge,
# the device's MAC and IP, and md signed with the NAS's uamsecret), so each
# request is verified as the gateway's and gets a new CSRF cookie. wrk has
# no fixed-rate mode: pace.lua makes each connection wait 5 ms after each
# answer, so CONNECTIONS (default 12) connections offer a little over
# 2,000 requests a second. Waiting connections hide a stall from wrk's
# percentiles; "wifihk-bench portal -rate 2000" is the open-loop check.
# Needs: go, wrk, curl. Leaves nothing running.
set -euo pipefail
D=${1:-20s}
C=${2:-12}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/landing.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/wifihk" ./cmd/wifihk
"$work/wifihk" serve -demo -data "$work/data" -http 127.0.0.1:0 -https 127.0.0.1:0 \
	-radius-auth 127.0.0.1:0 -radius-acct 127.0.0.1:0 >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "demo: open http" "$work/log" && break; sleep 0.1; done
gw=$(grep -o 'demo: open http://[0-9.:]*/' "$work/log" | cut -d' ' -f3)
url=$(curl -s -o /dev/null -w '%{redirect_url}' "$gw")
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ] || { echo "landing page not 200: $url" >&2; exit 1; }
cat >"$work/pace.lua" <<'LUA'
-- each connection waits 5 ms after each answer
function delay() return 5 end
LUA
echo "paced, $C connections, $D:"
wrk -t2 -c"$C" -d"$D" -s "$work/pace.lua" --latency "$url" | sed -n '/Latency Distribution/,/Transfer/p'
echo "closed loop, 4 connections, $D:"
wrk -t2 -c4 -d"$D" --latency "$url" | sed -n '/Latency Distribution/,/Transfer/p'
echo "server CPU ticks (1/100 s) for both runs: $(awk '{print $14+$15}' /proc/$pid/stat)"
