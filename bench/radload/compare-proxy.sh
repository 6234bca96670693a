#!/usr/bin/env bash
# Proxied PAP throughput: the same load (wifihk-bench radius) through
# wifihk's realm proxy and through radsecproxy, each relaying UDP→UDP to
# the same private FreeRADIUS 3.2 home server for @operator.example, the
# runs alternating, one line per run.
#
#   bench/radload/compare-proxy.sh [-quota PCT] [-base DIR] [CONCURRENCY] [DURATION] [ROUNDS] [SOCKETS]
#
# -base DIR adds a third proxy to every round, "base": wifihk built from
# the tree at DIR (a git worktree of an earlier commit, say), so that a
# change is measured against its parent in the same rounds.
#
# -quota PCT caps each proxy at PCT% of one CPU (a cgroup each, CFS
# bandwidth control; bench/cpucap.sh), leaving the home server and the
# tool uncapped: an equal CPU budget, small enough that the proxy is what
# runs out. Each line then says in how many 100 ms periods the proxy hit
# its cap.
# FreeRADIUS: a generated radiusd.conf (users file with
# demo@operator.example, PAP, Status-Server), loopback port 31912.
# wifihk: serve -demo (NAS 127.0.0.1 testing123), realm operator.example
# added with "wifihk realm add" (one home server, 3 s timeout), port 32912.
# radsecproxy: Debian's, UDP client 127.0.0.1 testing123, UDP server the
# same FreeRADIUS, realm operator.example, port 33912.
# Both proxies re-sign each request with the home secret and the answer
# with the NAS's. Needs: go, freeradius, radsecproxy. Leaves nothing running.
set -euo pipefail
quota= base=
while [ $# -ge 2 ]; do
  case $1 in
    -quota) quota=$2 ;;
    -base) base=$(cd "$2" && pwd) ;;
    *) break ;;
  esac
  shift 2
done
C=${1:-64}
D=${2:-10s}
ROUNDS=${3:-2}
SOCKETS=${4:-0}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/proxycompare.XXXXXX)
pids=()
declare -A cg=()
whkcap=() rpcap=() basecap=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for d in "${cg[@]}"; do cpucap_remove "$d"; done
  rm -rf "$work"
}
trap cleanup EXIT
if [ -n "$quota" ]; then
  . bench/cpucap.sh
  cpucap_each proxycompare "$quota" wifihk radsecproxy base
  whkcap=("${cpucap_in[@]}" "${cg[wifihk]}") rpcap=("${cpucap_in[@]}" "${cg[radsecproxy]}") basecap=("${cpucap_in[@]}" "${cg[base]}")
fi

# FreeRADIUS, the home server.
mkdir -p "$work/fr/log" "$work/fr/run"
echo '$INCLUDE /usr/share/freeradius/dictionary' > "$work/fr/dictionary"
printf 'demo@operator.example\tCleartext-Password := "demo1234"\n\tReply-Message := "home"\n' > "$work/fr/users"
cat > "$work/fr/radiusd.conf" <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
sbindir = /usr/sbin
raddbdir = $work/fr
confdir = $work/fr
logdir = $work/fr/log
run_dir = $work/fr/run
libdir = /usr/lib/freeradius
pidfile = $work/fr/run/radiusd.pid
name = freeradius
max_request_time = 30
cleanup_delay = 5
max_requests = 65536
hostname_lookups = no
log {
	destination = files
	file = $work/fr/log/radius.log
}
security {
	allow_vulnerable_openssl = yes
	status_server = yes
}
thread pool {
	start_servers = 8
	max_servers = 32
	min_spare_servers = 4
	max_spare_servers = 16
}
client proxies {
	ipaddr = 127.0.0.1
	secret = home-secret-1
}
modules {
	pap {
	}
	files {
		filename = $work/fr/users
	}
	always ok {
		rcode = ok
	}
}
server default {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = 31912
	}
	listen {
		type = acct
		ipaddr = 127.0.0.1
		port = 31913
	}
	authorize {
		Autz-Type Status-Server {
			ok
		}
		files
		pap
	}
	authenticate {
		Auth-Type PAP {
			pap
		}
	}
	accounting {
		ok
	}
}
EOF
freeradius -f -d "$work/fr" &
pids+=($!)
frpid=$!

# radsecproxy, UDP to UDP.
cat > "$work/radsecproxy.conf" <<EOF
ListenUDP 127.0.0.1:33912
LogLevel 2
LogDestination file://$work/radsecproxy.log
client bench {
	type udp
	host 127.0.0.1
	secret testing123
}
server home {
	type udp
	host 127.0.0.1
	port 31912
	secret home-secret-1
	StatusServer on
}
realm operator.example {
	server home
	accountingResponse on
}
EOF
"${rpcap[@]}" radsecproxy -f -c "$work/radsecproxy.conf" -i "$work/radsecproxy.pid" &
pids+=($!)
rppid=$!

# wifihk (and the base build): start NAME PORT CAP... runs it on PORT
# with the realm set up; its pid is left in started.
go build -o "$work/wifihk" ./cmd/wifihk
go build -o "$work/wifihk-bench" ./cmd/wifihk-bench
start() {
  local name=$1 port=$2
  shift 2
  "$@" "$work/$name" serve -demo -data "$work/$name.d" -radius-auth "127.0.0.1:$port" -radius-acct "127.0.0.1:$((port + 1))" \
    -http 127.0.0.1:0 -https 127.0.0.1:0 2>"$work/$name.log" &
  pids+=($!)
  started=$!
  for _ in $(seq 100); do [ -S "$work/$name.d/wifihk.sock" ] && break; sleep 0.1; done
  "$work/$name" org add -data "$work/$name.d" -code operator -name Operator >/dev/null
  # -nostrip: radsecproxy passes User-Name as it is, so the hop is the same.
  "$work/$name" realm add -data "$work/$name.d" -realm operator.example -org operator -server 127.0.0.1:31912 -secret home-secret-1 -nostrip >/dev/null
}
start wifihk 32912 "${whkcap[@]}"
whkpid=$started
proxies="127.0.0.1:32912 127.0.0.1:33912"
if [ -n "$base" ]; then
  (cd "$base" && go build -o "$work/base" ./cmd/wifihk)
  start base 34912 "${basecap[@]}"
  basepid=$started
  proxies="$proxies 127.0.0.1:34912"
fi

# Each proxy must relay an Accept before the runs start.
ready() { "$work/wifihk-bench" radius -server "$1" -username demo@operator.example -c 1 -d 200ms -json 2>/dev/null | grep -q '"accepted":[1-9]'; }
for a in $proxies; do
  for _ in $(seq 50); do ready "$a" && break; sleep 0.2; done
  ready "$a" || { echo "proxy at $a does not relay"; cat "$work/wifihk.log" "$work/radsecproxy.log" 2>/dev/null; exit 1; }
done

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); c=$C d=$D sockets=$SOCKETS; $(freeradius -v | head -1 | cut -c1-60); $(radsecproxy -v 2>&1 | head -1)${quota:+; each proxy capped at $quota% of a CPU}"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sys() { awk '{print $15}' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)
# run NAME ADDR PID: one run; the line ends with the proxy's CPU per
# answered request (of it, in the kernel: system calls and the loopback
# delivery they carry) and the home server's.
run() {
  local p0 f0 s0 out p1 f1 s1 t0=0 t1=0
  p0=$(cpu "$3"); f0=$(cpu "$frpid"); s0=$(sys "$3")
  [ -z "$quota" ] || t0=$(cpucap_throttled "${cg[$1]}")
  out=$("$work/wifihk-bench" radius -server "$2" -mode auth -c "$C" -d "$D" -sockets "$SOCKETS" -username demo@operator.example -json)
  p1=$(cpu "$3"); f1=$(cpu "$frpid"); s1=$(sys "$3")
  [ -z "$quota" ] || t1=$(cpucap_throttled "${cg[$1]}")
  echo "$out" | awk -v name="$1" -v px=$((p1 - p0)) -v pk=$((s1 - s0)) -v fr=$((f1 - f0)) -v tck="$tck" -v last="$work/ps.$1" -v capped="${quota:+$((t1 - t0))}" '
    /^\{/ { line = $0 }
    END {
      match(line, /"per_second":[0-9.]+/); ps = substr(line, RSTART + 13, RLENGTH - 13)
      match(line, /"answered":[0-9]+/); n = substr(line, RSTART + 11, RLENGTH - 11)
      match(line, /"accepted":[0-9]+/); ok = substr(line, RSTART + 11, RLENGTH - 11)
      match(line, /"p99_ns":[0-9]+/); p99 = substr(line, RSTART + 9, RLENGTH - 9)
      match(line, /"timeouts":[0-9]+/); to = substr(line, RSTART + 11, RLENGTH - 11)
      printf "%-12s %8.0f/s accepted %d p99 %6.1f ms timeouts %d | proxy CPU %.1f us/req (kernel %.1f) | home server CPU %.1f us/req",
        name, ps, ok, p99 / 1e6, to, (n > 0 ? px / tck / n * 1e6 : 0), (n > 0 ? pk / tck / n * 1e6 : 0), (n > 0 ? fr / tck / n * 1e6 : 0)
      if (capped != "") printf " | capped in %d periods", capped
      printf "\n"
      print ps > last
    }'
}
# The machine's speed drifts (a shared host): each round's ratio compares
# runs seconds apart, and the last line gives their median and range.
for _ in $(seq "$ROUNDS"); do
  [ -z "$base" ] || run base 127.0.0.1:34912 "$basepid"
  run wifihk 127.0.0.1:32912 "$whkpid"
  run radsecproxy 127.0.0.1:33912 "$rppid"
  awk -v w="$(cat "$work/ps.wifihk")" -v r="$(cat "$work/ps.radsecproxy")" 'BEGIN { printf "ratio        %.2fx\n", (r > 0 ? w / r : 0) }' | tee -a "$work/ratios"
done
tr -dc '0-9.\n' <"$work/ratios" | sed 's/^\.//' | sort -n | awk '{ r[NR] = $1 } END {
  m = (NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2)
  printf "median ratio %.2fx over %d rounds (%.2f-%.2fx)\n", m, NR, r[1], r[NR] }'
