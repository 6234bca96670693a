#!/usr/bin/env bash
# Runs the same RadSec load against wifihk's RadSec server and against
# Debian's radsecproxy on this machine, alternating, and prints one line
# per run.
#
#   bench/radsecload/compare-radsecproxy.sh [CONNS] [DURATION] [ROUNDS] [PER_CONN]
#
# Both serve TLS 1.2+/1.3 with client certificates from one test CA (made
# here with openssl, ECDSA P-256):
# wifihk: serve -demo with radius.radsec on, the load's certificate
# registered as a NAS (nas add -cert-issuer -cert-subject); it checks PAP
# for demo/demo1234 itself (argon2id hash, cached).
# radsecproxy: its RadSec listener, forwarding Access-Requests over UDP to
# that same wifihk (so the password check costs the same) and answering
# Status-Server itself.
# Modes: status (Status-Server, answered by the RadSec server itself: the
# transport alone) and auth (PAP Access-Request).
# Each row also gives the CPU both server processes used during the run,
# per answered request: steadier than throughput on a shared machine.
# Needs: go, openssl, bc, radsecproxy. Leaves nothing running.
set -euo pipefail
CONNS=${1:-100}
D=${2:-10s}
ROUNDS=${3:-2}
PER=${4:-1}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/radseccompare.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/wifihk" ./cmd/wifihk
go build -o "$work/wifihk-bench" ./cmd/wifihk-bench

# The PKI: a CA, a server certificate for 127.0.0.1, a client certificate.
cd "$work"
openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=Bench CA" -days 2 -out ca.pem 2>/dev/null
issue() { # name san extkeyusage
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\n' "$2" "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
issue server "IP:127.0.0.1,DNS:server.bench" serverAuth
issue client "DNS:client.bench" clientAuth
cd - >/dev/null

cat >"$work/wifihk.yaml" <<YAML
log_level: warn
radius:
  radsec:
    cert: $work/server.pem
    key: $work/server.key
    client_ca: $work/ca.pem
YAML
# The NAS goes in before the server starts, into a new data dir (the CLI
# refuses a missing one, as a guard against a mistyped -data).
mkdir -p "$work/data"
"$work/wifihk" nas add -data "$work/data" -name radsec-bench -ip 192.0.2.50 -secret unused-udp \
  -cert-issuer "Bench CA" -cert-subject client >/dev/null
"$work/wifihk" serve -demo -config "$work/wifihk.yaml" -data "$work/data" -radsec 127.0.0.1:22083 \
  -radius-auth 127.0.0.1:21812 -radius-acct 127.0.0.1:21813 -http 127.0.0.1:28080 -https 127.0.0.1:28443 \
  2>"$work/wifihk.log" &
pids+=($!)
wifihk_pid=$!

cat >"$work/radsecproxy.conf" <<CONF
ListenTLS 127.0.0.1:22084
LogDestination file://$work/radsecproxy.log
LogLevel 2
tls default {
	CACertificateFile $work/ca.pem
	CertificateFile $work/server.pem
	CertificateKeyFile $work/server.key
}
client load {
	type tls
	host 127.0.0.1
	secret radsec
	CertificateNameCheck off
}
server wifihk {
	type udp
	host 127.0.0.1
	port 21812
	secret testing123
}
realm * {
	server wifihk
}
CONF
radsecproxy -f -c "$work/radsecproxy.conf" -i "$work/radsecproxy.pid" >"$work/radsecproxy.out" 2>&1 &
pids+=($!)
proxy_pid=$!
# CPU seconds (user+system) a process has used so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14+$15)/hz}' "/proc/$1/stat"; }

load() { # addr mode duration [-json]
  "$work/wifihk-bench" radsec -server "$1" -servername server.bench -ca "$work/ca.pem" -cert "$work/client.pem" \
    -key "$work/client.key" -mode "$2" -conns "$CONNS" -c "$PER" -d "$3" "${@:4}"
}
for addr in 127.0.0.1:22083 127.0.0.1:22084; do # wait until both answer a PAP request
  for i in $(seq 100); do
    if CONNS=1 load "$addr" auth 100ms 2>/dev/null | grep -q " 1 conns x"; then break; fi
    sleep 0.2
  done
done
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(uptime | sed "s/.*load/load/"); conns=$CONNS per_conn=$PER d=$D; certificates: ECDSA P-256"
# run NAME ADDR MODE: one load run, then the CPU each server process used
# during it and per answered request (wifihk also answers radsecproxy's
# forwarded Access-Requests, so its CPU counts in radsecproxy's auth rows).
run() {
  local w0 p0 out n w1 p1
  w0=$(cpu "$wifihk_pid"); p0=$(cpu "$proxy_pid")
  out=$(load "$2" "$3" "$D" -json)
  w1=$(cpu "$wifihk_pid"); p1=$(cpu "$proxy_pid")
  n=$(sed 's/.*"answered":\([0-9]*\).*/\1/' <<<"$out")
  awk -v name="$1" -v mode="$3" -v n="$n" -v o="$out" -v w="$(echo "$w1 - $w0" | bc)" -v p="$(echo "$p1 - $p0" | bc)" 'BEGIN {
    match(o, /"per_second":[0-9.]+/); ps = substr(o, RSTART+13, RLENGTH-13)
    match(o, /"p99_ns":[0-9]+/); p99 = substr(o, RSTART+9, RLENGTH-9) / 1e6
    printf "%-11s %-6s %7.0f/s p99 %6.1f ms | CPU wifihk %5.2f s radsecproxy %5.2f s: %4.0f us/request\n", name, mode, ps, p99, w, p, (w + p) * 1e6 / (n > 0 ? n : 1)
  }'
}
for r in $(seq "$ROUNDS"); do
  for mode in status auth; do
    run wifihk 127.0.0.1:22083 $mode
    run radsecproxy 127.0.0.1:22084 $mode
  done
done
uptime
