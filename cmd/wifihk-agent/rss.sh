#!/bin/sh
# rss.sh [SECONDS] [AGENT FLAGS...]: builds the stripped agent, captures on
# lo (root) while a UDP flood of 1,200-byte datagrams runs for SECONDS
# (default 8), then prints the agent's peak and current resident memory and
# its CPU ticks. Without flags the controller is down (reports spool).
# Used for the agent's memory figures in docs/PERFORMANCE.md.
set -e
secs=${1:-8}
[ $# -gt 0 ] && shift
bin=$(mktemp -d)/wifihk-agent
CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin" "./$(dirname "$0")"
[ $# -gt 0 ] || set -- -controller http://127.0.0.1:9 -token x -iface lo -interval 2s -spool "$(dirname "$bin")/spool"
"$bin" "$@" 2>"$bin.log" &
pid=$!
sleep 1
python3 - "$secs" <<'PY'
import socket, sys, time
s, data, n = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), b"x" * 1200, 0
end = time.time() + float(sys.argv[1])
while time.time() < end:
    for _ in range(100):
        s.sendto(data, ("127.0.0.1", 9999))
    n += 100
print(n, "datagrams")
PY
grep -E 'VmHWM|VmRSS|RssAnon|RssFile' /proc/$pid/status | tr -s '\t ' ' ' | tr '\n' ' '
awk '{print "cpu_ticks=" $14+$15}' /proc/$pid/stat
kill $pid
