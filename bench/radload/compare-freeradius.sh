#!/usr/bin/env bash
# Runs the same RADIUS load against wifihk and against Debian's stock
# FreeRADIUS 3.2 on this machine, alternating, and prints one line per run.
#
#   bench/radload/compare-freeradius.sh [-sql] [-modes auth,acct,acctnew] [CONCURRENCY] [DURATION] [ROUNDS] [SOCKETS]
#
# SOCKETS (default 0: one per client) is passed to "wifihk-bench radius
# -sockets": the clients share that many sockets with batched I/O, so the
# load tool takes less of the CPU both servers share with it. -modes picks
# the runs of a round (default auth,acct): acct sends Interim-Updates for
# one session per client, acctnew an Interim-Update for a new session in
# every packet (a NAS restart or failover: the server has not seen it).
#
# Without -sql:
# FreeRADIUS: /etc/freeradius/3.0 copied as shipped (sites-enabled/default
# and inner-tunnel, detail-file accounting without fsync), moved to other
# ports, run as root in the foreground, a users-file entry for demo/demo1234
# with the same reply attributes wifihk's default plan sends.
# wifihk: serve -demo (demo/demo1234, argon2id hash; accounting fsynced
# with group commit before each Accounting-Response).
#
# With -sql, both on one private PostgreSQL (initdb in the temp dir, run as
# the postgres user when we are root, loopback port 35432, fsync and
# synchronous_commit on as shipped), one database each:
# FreeRADIUS: the same copy with rlm_sql enabled (Debian's
# freeradius-postgresql: its schema.sql and queries.conf as shipped), demo
# in radcheck (Cleartext-Password) with the reply attributes in radreply;
# the users-file entry, the detail file and the post-auth log are left out,
# so every Access-Request reads radcheck/radreply/radusergroup and every
# accounting packet is one SQL statement committed on its own: FreeRADIUS's
# cheapest configuration on SQL.
# wifihk: serve -demo -store postgres://… (demo is a visitor account, its
# argon2id check cached; accounting journaled with fdatasync before the
# answer, then applied to PostgreSQL in batches). After each accounting run
# it prints the database's commits per answered request (pg_stat_database
# xact_commit, read and write transactions alike) and the server's WAL
# fsyncs per answered request (pg_stat_wal wal_sync: what a durable commit
# costs the disk; the runs take turns, so each run's are its own).
# Needs: go, freeradius, radclient; with -sql also freeradius-postgresql and
# postgresql. Leaves nothing running.
set -euo pipefail
SQL=0
MODES="auth acct"
while [[ $# -gt 0 && $1 == -* ]]; do
  case $1 in
  -sql) SQL=1 ;;
  -modes) MODES=${2//,/ }; shift ;;
  *) echo "usage: $0 [-sql] [-modes auth,acct,acctnew] [CONCURRENCY] [DURATION] [ROUNDS] [SOCKETS]" >&2; exit 2 ;;
  esac
  shift
done
C=${1:-64}
D=${2:-10s}
ROUNDS=${3:-2}
SOCKETS=${4:-0}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/radcompare.XXXXXX)
pids=()
pgbin=$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")
pgport=35432
# aspg runs a PostgreSQL program as the postgres user when we are root
# (initdb refuses root), else as ourselves.
aspg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$work/pg/data/postmaster.pid" ] && aspg "$pgbin/pg_ctl" stop -D "$work/pg/data" -m immediate >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$SQL" = 1 ]; then
  # A private PostgreSQL, durable as shipped (fsync, synchronous_commit on).
  chmod 755 "$work"
  mkdir "$work/pg"
  [ "$(id -u)" = 0 ] && chown postgres: "$work/pg"
  aspg "$pgbin/initdb" -D "$work/pg/data" -U wifihk -A trust -E UTF8 --locale=C >/dev/null
  aspg "$pgbin/pg_ctl" start -w -D "$work/pg/data" -l "$work/pg/log" \
    -o "-k $work/pg -p $pgport -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
  psql() { command psql -X -q -v ON_ERROR_STOP=1 -h "$work/pg" -p "$pgport" -U wifihk "$@"; }
  psql -d postgres -c 'CREATE DATABASE radius' -c 'CREATE DATABASE wifihk'
  psql -d radius -f /etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql >/dev/null
  psql -d radius <<'SQL'
INSERT INTO radcheck (username, attribute, op, value) VALUES ('demo', 'Cleartext-Password', ':=', 'demo1234');
INSERT INTO radreply (username, attribute, op, value) VALUES
  ('demo', 'Session-Timeout', '=', '1800'), ('demo', 'Idle-Timeout', '=', '600'),
  ('demo', 'Acct-Interim-Interval', '=', '300'),
  ('demo', 'WISPr-Bandwidth-Max-Up', '=', '2048000'), ('demo', 'WISPr-Bandwidth-Max-Down', '=', '8192000'),
  ('demo', 'ChilliSpot-Bandwidth-Max-Up', '=', '2048'), ('demo', 'ChilliSpot-Bandwidth-Max-Down', '=', '8192'),
  ('demo', 'Class', '=', 'whk1:0123456789abcdef:default');
SQL
  # commits DB: the database's committed transactions so far, read and
  # write, and the server's WAL fsyncs, once every backend has reported
  # its counts (PostgreSQL 15 flushes an idle backend's statistics within
  # 10 s).
  commits() {
    sleep 11
    psql -d postgres -At -F ' ' -c "SELECT xact_commit, (SELECT wal_sync FROM pg_stat_wal) FROM pg_stat_database WHERE datname = '$1'"
  }
fi

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
if [ "$SQL" = 1 ]; then
  sql="$work/fr/mods-enabled/sql"
  sed -e 's/^\tdialect = "sqlite"/\tdialect = "postgresql"/' \
    -e 's/^\tdriver = "rlm_sql_null"/\tdriver = "rlm_sql_${dialect}"/' \
    -e "s|^#\?\tserver = \"localhost\"|\tserver = \"127.0.0.1\"|; s|^#\?\tport = 3306|\tport = $pgport|" \
    -e 's/^#\?\tlogin = "radius"/\tlogin = "wifihk"/; s/^#\?\tpassword = "radpass"/\tpassword = ""/' \
    "$work/fr/mods-available/sql" > "$sql"
  grep -q "port = $pgport" "$sql" || { echo "could not configure $sql"; exit 1; }
  # Accounting to SQL only; no post-auth log (see the top of this file).
  awk '/^accounting \{/ { acct = 1 } /^post-auth \{/ { post = 1 } /^\}/ { acct = 0; post = 0 }
    acct && /^\tdetail$/ { next } post && /^\t-sql$/ { next } { print }' "$site" > "$site.new" && mv "$site.new" "$site"
else
  authorize="$work/fr/mods-config/files/authorize"
  {
    printf 'demo\tCleartext-Password := "demo1234"\n'
    printf '\tSession-Timeout = 1800,\n\tIdle-Timeout = 600,\n\tAcct-Interim-Interval = 300,\n'
    printf '\tWISPr-Bandwidth-Max-Up = 2048000,\n\tWISPr-Bandwidth-Max-Down = 8192000,\n'
    printf '\tChilliSpot-Bandwidth-Max-Up = 2048,\n\tChilliSpot-Bandwidth-Max-Down = 8192,\n\tClass = "whk1:0123456789abcdef:default"\n\n'
    cat /etc/freeradius/3.0/mods-config/files/authorize
  } > "$work/authorize" && mv "$work/authorize" "$authorize"
fi
freeradius -C -d "$work/fr" >/dev/null
freeradius -f -d "$work/fr" -l "$work/fr.log" &
pids+=($!)
frpid=$!

# wifihk.
go build -o "$work/wifihk" ./cmd/wifihk
go build -o "$work/wifihk-bench" ./cmd/wifihk-bench
store=()
[ "$SQL" = 1 ] && store=(-store "postgres://wifihk@127.0.0.1:$pgport/wifihk?sslmode=disable")
"$work/wifihk" serve -demo -data "$work/whk" "${store[@]}" -radius-auth 127.0.0.1:32812 -radius-acct 127.0.0.1:32813 \
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
  echo "$out" | awk -v name="$1" -v srv=$((c1 - c0)) -v tck="$tck" -v last="$work/last" '
    /^TOOLCPU/ { tool = $2 + $3; next }
    /^\{/ { line = $0 }
    END {
      match(line, /"per_second":[0-9.]+/); ps = substr(line, RSTART + 13, RLENGTH - 13)
      match(line, /"answered":[0-9]+/); n = substr(line, RSTART + 11, RLENGTH - 11)
      match(line, /"p99_ns":[0-9]+/); p99 = substr(line, RSTART + 9, RLENGTH - 9)
      match(line, /"mode":"[a-z]+"/); mode = substr(line, RSTART + 8, RLENGTH - 9)
      match(line, /"timeouts":[0-9]+/); to = substr(line, RSTART + 11, RLENGTH - 11)
      printf "%-10s %-7s %8.0f/s p99 %6.1f ms timeouts %d | server CPU %.1f s, %.1f us/req | load tool CPU %.1f s\n",
        name, mode, ps, p99 / 1e6, to, srv / tck, (n > 0 ? srv / tck / n * 1e6 : 0), tool
      printf "%s %s\n", ps, n > last
    }'
}
# run NAME ADDR MODE USER PID DB: one bench run; with -sql and an
# accounting mode, also the database's commits per answered request.
run() {
  local c0=""
  [ "$SQL" = 1 ] && [ "$3" != auth ] && c0=$(commits "$6")
  bench "$@"
  read -r ps n < "$work/last"
  echo "$ps" > "$work/ps.$1"
  if [ -n "$c0" ]; then
    local c1; c1=$(commits "$6")
    echo "$c0 $c1" | awk -v n="$n" -v db="$6" '{ d = $3 - $1; s = $4 - $2
      printf "           %d commits in database %s for %d answered: 1 in %.0f; %d WAL fsyncs: 1 in %.0f\n", d, db, n, (d > 0 ? n / d : 0), s, (s > 0 ? n / s : 0) }'
  fi
}
for r in $(seq "$ROUNDS"); do
  for m in $MODES; do
    case $m in
    auth) wport=32812 fport=31812 user=demo ;;
    acct | acctnew) wport=32813 fport=31813 user=acctload ;;
    *) echo "unknown mode $m"; exit 2 ;;
    esac
    run wifihk     "127.0.0.1:$wport" "$m" "$user" "$whkpid" wifihk
    run freeradius "127.0.0.1:$fport" "$m" "$user" "$frpid" radius
    awk -v m="$m" -v w="$(cat "$work/ps.wifihk")" -v f="$(cat "$work/ps.freeradius")" \
      'BEGIN { printf "ratio      %-7s %.2fx\n", m, (f > 0 ? w / f : 0) }'
  done
done
