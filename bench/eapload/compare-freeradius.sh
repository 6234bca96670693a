#!/usr/bin/env bash
# Runs the same EAP-TTLS/PAP, PEAP/EAP-MSCHAPv2 and EAP-TLS load
# ("wifihk-bench eap") against wifihk and
# against Debian's stock FreeRADIUS 3.2 on this machine, alternating, with
# the same ECDSA P-256 server certificate, and prints one line per run.
#
#   bench/eapload/compare-freeradius.sh [-pin] [-quota PCT] [CONCURRENCY] [DURATION] [ROUNDS]
#
# -pin runs each server on CPU 1 and the load tool on CPU 0 (taskset), so
# that each server has one core of its own and the tool's handshakes (as
# costly as the server's) do not take from it: the servers' own capacity.
# Without it all three share both cores as they come.
# -quota PCT caps each server at PCT% of one CPU (a cgroup each, CFS
# bandwidth control; bench/cpucap.sh) and leaves the tool uncapped: an
# equal CPU budget, small enough that the server, not the tool, is what
# runs out. Each line then says in how many 100 ms periods the server hit
# its cap; a run in which it seldom did measured the tool instead.
#
# FreeRADIUS: /etc/freeradius/3.0 copied as shipped, moved to other ports,
# default_eap_type = ttls, wifihk's demo certificate and key (made by
# serve -demo) instead of the snakeoil RSA pair, the TLS session cache
# enabled (for the resumed runs), run as root in the foreground, and a
# users-file entry for demo/demo1234 (inner PAP against a cleartext
# password; wifihk checks an argon2id hash, cached after the first check).
# TLS 1.2 for both (FreeRADIUS 3.2 ships with tls_max_version = "1.2");
# then wifihk alone with TLS 1.3.
# Needs: go, freeradius, radclient. Leaves nothing running.
set -euo pipefail
srvpin=() toolpin=() quota=
while [ $# -gt 0 ]; do
  case $1 in
  -pin) srvpin=(taskset -c 1) toolpin=(taskset -c 0); shift ;;
  -quota) quota=$2; shift 2 ;;
  *) break ;;
  esac
done
C=${1:-16}
D=${2:-10s}
ROUNDS=${3:-2}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/eapcompare.XXXXXX)
pids=()
declare -A cg=()
whkcap=() frcap=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${cg[@]}"; do cpucap_remove "$d"; done
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$quota" ]; then
  . bench/cpucap.sh
  cpucap_each eapcompare "$quota" wifihk freeradius
  whkcap=("${cpucap_in[@]}" "${cg[wifihk]}") frcap=("${cpucap_in[@]}" "${cg[freeradius]}")
fi

# wifihk first: serve -demo makes the certificate both servers use.
go build -o "$work/wifihk" ./cmd/wifihk
go build -o "$work/wifihk-bench" ./cmd/wifihk-bench
"${whkcap[@]}" "${srvpin[@]}" "$work/wifihk" serve -demo -data "$work/whk" -radius-auth 127.0.0.1:33812 -radius-acct 127.0.0.1:33813 \
  -http 127.0.0.1:0 -https 127.0.0.1:0 2>"$work/wifihk.log" &
pids+=($!)
whkpid=$!
pki="$work/whk/demo-eap"
for _ in $(seq 100); do [ -s "$pki/eap-server.key" ] && [ -S "$work/whk/wifihk.sock" ] && break; sleep 0.1; done

# EAP-TLS: a device certificate from an organisation's own CA (wifihk
# makes one per organisation), which FreeRADIUS is given to trust too.
"$work/wifihk" org add -data "$work/whk" -code school -name School >/dev/null
"$work/wifihk" user add -data "$work/whk" -org school -username amy -password amy-pass-1234 >/dev/null
"$work/wifihk" cert issue -data "$work/whk" -org school -username amy -out "$work/amy" >/dev/null
cat "$pki/eap-ca.pem" "$work/amy-ca.crt" >"$work/cas.pem"

# FreeRADIUS, stock config on ports 34812-34815 (inner-tunnel 34820).
cp -r /etc/freeradius/3.0 "$work/fr"
site="$work/fr/sites-enabled/default"
cp --remove-destination "$work/fr/sites-available/default" "$site"
for p in 34812 34813 34814 34815; do sed -i "0,/^\tport = 0$/s//\tport = $p/" "$site"; done
inner="$work/fr/sites-enabled/inner-tunnel"
cp --remove-destination "$work/fr/sites-available/inner-tunnel" "$inner"
sed -i 's/port = 18120/port = 34820/' "$inner"
sed -i "s|^logdir = .*|logdir = $work/frlog|; s|^\(\s*\)user = freerad|\1#user = freerad|; s|^\(\s*\)group = freerad|\1#group = freerad|" "$work/fr/radiusd.conf"
mkdir -p "$work/frlog/radacct" "$work/frlog/tlscache"
eap="$work/fr/mods-enabled/eap"
cp --remove-destination "$work/fr/mods-available/eap" "$eap"
sed -i "0,/default_eap_type = md5/s//default_eap_type = ttls/" "$eap"
sed -i "s|private_key_file = .*|private_key_file = $pki/eap-server.key|; s|certificate_file = .*|certificate_file = $pki/eap-server.pem|; s|ca_file = .*|ca_file = $work/cas.pem|" "$eap"
# the session cache (the first "enable = no" in the file), kept in memory
sed -i "0,/^\t\t\tenable = no/s//\t\t\tenable = yes/" "$eap"
authorize="$work/fr/mods-config/files/authorize"
{
  printf 'demo\tCleartext-Password := "demo1234"\n\n'
  cat /etc/freeradius/3.0/mods-config/files/authorize
} > "$work/authorize" && mv "$work/authorize" "$authorize"
freeradius -C -d "$work/fr" >/dev/null
"${frcap[@]}" "${srvpin[@]}" freeradius -f -d "$work/fr" -l "$work/fr.log" &
pids+=($!)
frpid=$!

ready() { echo 'Message-Authenticator=0x00' | radclient -q -r 1 -t 1 "$1" status testing123 >/dev/null 2>&1; }
for a in 127.0.0.1:34812 127.0.0.1:33812; do
  for _ in $(seq 50); do ready "$a" && break; sleep 0.2; done
  ready "$a" || { echo "server at $a did not start"; cat "$work/fr.log" "$work/wifihk.log"; exit 1; }
done

# Warm-up, the same for both: wifihk's first check of a password is a full
# argon2id (then cached for PAP and inner PAP alike); FreeRADIUS reads its
# users file at start.
for a in 127.0.0.1:34812 127.0.0.1:33812; do
  echo 'User-Name=demo,User-Password=demo1234,Message-Authenticator=0x00' | radclient -q -t 5 "$a" auth testing123
done

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); c=$C d=$D; certificate: ECDSA P-256${srvpin:+; servers on CPU 1, load tool on CPU 0}${quota:+; each server capped at $quota% of a CPU}"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
# Each line ends with the server's CPU per accepted conversation and the
# load tool's CPU, so runs on a busy machine can be compared.
bench() {
  local name=$1 addr=$2 pid=$3; shift 3
  local c0 out t0=0 t1=0 label="$*"; c0=$(cpu "$pid")
  label=${label%% -username*} # EAP-TLS: the account and certificate go unsaid
  [ -z "$quota" ] || t0=$(cpucap_throttled "${cg[$name]}")
  out=$(/usr/bin/time -f 'TOOLCPU %U %S' "${toolpin[@]}" "$work/wifihk-bench" eap -server "$addr" -c "$C" -d "$D" -json "$@" 2>&1)
  local c1; c1=$(cpu "$pid")
  [ -z "$quota" ] || t1=$(cpucap_throttled "${cg[$name]}")
  echo "$out" | awk -v name="$name" -v args="$label" -v srv=$((c1 - c0)) -v tck="$tck" -v capped="${quota:+$((t1 - t0))}" '
    /^TOOLCPU/ { tool = $2 + $3; next }
    /^\{/ { line = $0 }
    END {
      match(line, /"per_second":[0-9.]+/); ps = substr(line, RSTART + 13, RLENGTH - 13)
      match(line, /"accepted":[0-9]+/); n = substr(line, RSTART + 11, RLENGTH - 11)
      match(line, /"resumed":[0-9]+/); rs = substr(line, RSTART + 10, RLENGTH - 10)
      match(line, /"failed":[0-9]+/); f = substr(line, RSTART + 9, RLENGTH - 9)
      match(line, /"p99_ns":[0-9]+/); p99 = substr(line, RSTART + 9, RLENGTH - 9)
      printf "%-10s %-20s %7.0f/s (%s resumed, %s failed) p99 %6.1f ms | server CPU %.1f s, %.0f us/conversation | load tool CPU %.1f s",
        name, args, ps, rs, f, p99 / 1e6, srv / tck, (n > 0 ? srv / tck / n * 1e6 : 0), tool
      if (capped != "") printf " | capped in %d periods", capped
      printf "\n"
    }'
}
tls=(-method tls -username amy@school -cert "$work/amy.crt" -key "$work/amy.key")
for r in $(seq "$ROUNDS"); do
  bench wifihk     127.0.0.1:33812 "$whkpid" -tls 1.2
  bench freeradius 127.0.0.1:34812 "$frpid"  -tls 1.2
  bench wifihk     127.0.0.1:33812 "$whkpid" -tls 1.2 -resume
  bench freeradius 127.0.0.1:34812 "$frpid"  -tls 1.2 -resume
  bench wifihk     127.0.0.1:33812 "$whkpid" -tls 1.2 -method peap
  bench freeradius 127.0.0.1:34812 "$frpid"  -tls 1.2 -method peap
  bench wifihk     127.0.0.1:33812 "$whkpid" -tls 1.2 "${tls[@]}"
  bench freeradius 127.0.0.1:34812 "$frpid"  -tls 1.2 "${tls[@]}"
done
bench wifihk 127.0.0.1:33812 "$whkpid" -tls 1.3
bench wifihk 127.0.0.1:33812 "$whkpid" -tls 1.3 -resume
