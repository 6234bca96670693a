#!/usr/bin/env bash
# Runs the same RADIUS load against wifihk and against Debian's stock
# FreeRADIUS 3.2 on this machine, alternating, and prints one line per run.
#
#   bench/radload/compare-freeradius.sh [CONCURRENCY] [DURATION] [ROUNDS] [SOCKETS]
#
# SOCKETS (default 0: one per client) is passed to "wifihk-bench radius
# -sockets": the clients share that many sockets with batched I/O, so the
# load tool takes less of the CPU both servers share with it.
#
# FreeRADIUS: /etc/freeradius/3.0 copied as shipped (sites-enabled/default
# and inner-tunnel, detail-file accounting without fsync), moved to other
# ports, run as root in the foreground, a users-file entry for demo/demo1234
# with the same reply attributes wifihk's default plan sends.
# wifihk: serve -demo (demo/demo1234, argon2id hash; accounting fsynced
# with group commit before each Accounting-Response).
# Needs: go, freeradius, radclient. Leaves nothing running.
set -euo pipefail
C=${1:-64}
D=${2:-10s}
ROUNDS=${3:-2}
SOCKETS=${4:-0}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/radcompare.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# FreeRADIUS, stock config on ports 31812-31815 (inner-tunnel 31820).
cp -r /etc/freeradius/3.0 "$work/fr"
site="$work/fr/sites-enabled/default"
cp --remove-destination "$work/fr/sites-available/default" "$site"
for p in 31812 31813 31814 31815; do sed -i "0,/^\tport = 0$/s//\tport = $p/" "$site"; done
inner="$work/fr/sites-enabled/inner-tunnel"
cp --remove-destination "$work/fr/sites-available/inner-tunnel" "$inner"
sed -i 's/port = 18120/port = 31820/' "$inner"
sed -i "s|^logdir = .*|logdir = $work/frlog|; s|^\(\s*\)user = freerad|\1#user = freerad|; s|^\(\s*\)group = freerad|\1#group = freerad|" "$work/fr/radiusd.conf"
mkdir -p "$work/frlog/radacct"
authorize="$work/fr/mods-config/files/authorize"
{
  printf 'demo\tCleartext-Password := "demo1234"\n'
  printf '\tSession-Timeout = 1800,\n\tIdle-Timeout = 600,\n\tAcct-Interim-Interval = 300,\n'
  printf '\tWISPr-Bandwidth-Max-Up = 2048000,\n\tWISPr-Bandwidth-Max-Down = 8192000,\n'
  printf '\tChilliSpot-Bandwidth-Max-Up = 2048,\n\tChilliSpot-Bandwidth-Max-Down = 8192,\n\tClass = "whk1:0123456789abcdef:default"\n\n'
  cat /etc/freeradius/3.0/mods-config/files/authorize
} > "$work/authorize" && mv "$work/authorize" "$authorize"
freeradius -C -d "$work/fr" >/dev/null
freeradius -f -d "$work/fr" -l "$work/fr.log" &
pids+=($!)
frpid=$!

# wifihk.
go build -o "$work/wifihk" ./cmd/wifihk
go build -o "$work/wifihk-bench" ./cmd/wifihk-bench
"$work/wifihk" serve -demo -data "$work/whk" -radius-auth 127.0.0.1:32812 -radius-acct 127.0.0.1:32813 \
  -http 127.0.0.1:0 -https 127.0.0.1:0 2>"$work/wifihk.log" &
pids+=($!)
whkpid=$!

ready() { echo 'Message-Authenticator=0x00' | radclient -q -r 1 -t 1 "$1" status testing123 >/dev/null 2>&1; }
for a in 127.0.0.1:31812 127.0.0.1:32812; do
  for _ in $(seq 50); do ready "$a" && break; sleep 0.2; done
  ready "$a" || { echo "server at $a did not start"; cat "$work/fr.log" "$work/wifihk.log"; exit 1; }
done

# Warm-up, the same for both: wifihk's first check of a password is a full
# argon2id (then cached); FreeRADIUS reads its users file at start.
for a in 127.0.0.1:31812 127.0.0.1:32812; do
  echo 'User-Name=demo,User-Password=demo1234,Message-Authenticator=0x00' | radclient -q -t 5 "$a" auth testing123
done

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); c=$C d=$D sockets=$SOCKETS"
# cpu PID: user+system CPU time of a process so far, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
# Each line ends with the CPU the server used (µs per answered request) and
# the load tool's CPU share, so runs on a busy machine can be compared.
bench() {
  local c0 out; c0=$(cpu "$5")
  out=$(/usr/bin/time -f 'TOOLCPU %U %S' "$work/wifihk-bench" radius -server "$2" -mode "$3" -c "$C" -d "$D" -sockets "$SOCKETS" -username "$4" -json 2>&1)
  local c1; c1=$(cpu "$5")
  echo "$out" | awk -v name="$1" -v srv=$((c1 - c0)) -v tck="$tck" '
    /^TOOLCPU/ { tool = $2 + $3; next }
    /^\{/ { line = $0 }
    END {
      match(line, /"per_second":[0-9.]+/); ps = substr(line, RSTART + 13, RLENGTH - 13)
      match(line, /"answered":[0-9]+/); n = substr(line, RSTART + 11, RLENGTH - 11)
      match(line, /"p99_ns":[0-9]+/); p99 = substr(line, RSTART + 9, RLENGTH - 9)
      match(line, /"mode":"[a-z]+"/); mode = substr(line, RSTART + 8, RLENGTH - 9)
      match(line, /"timeouts":[0-9]+/); to = substr(line, RSTART + 11, RLENGTH - 11)
      printf "%-10s %s %8.0f/s p99 %6.1f ms timeouts %d | server CPU %.1f s, %.1f us/req | load tool CPU %.1f s\n",
        name, mode, ps, p99 / 1e6, to, srv / tck, (n > 0 ? srv / tck / n * 1e6 : 0), tool
    }'
}
for r in $(seq "$ROUNDS"); do
  bench wifihk     127.0.0.1:32812 auth demo "$whkpid"
  bench freeradius 127.0.0.1:31812 auth demo "$frpid"
  bench wifihk     127.0.0.1:32813 acct acctload "$whkpid"
  bench freeradius 127.0.0.1:31813 acct acctload "$frpid"
done
