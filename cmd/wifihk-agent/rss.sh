#!/bin/sh
# rss.sh [SECONDS] [AGENT FLAGS...]: builds the stripped agent, captures on
# lo (root) while a UDP flood of 1,200-byte datagrams runs for SECONDS
# (default 8), then prints the agent's peak and current resident memory and
# its CPU ticks. Without flags the controller is down (reports spool).
# Used for the agent's memory figures in docs/PERFORMANCE.md.
#
# ARCH=mipsle rss.sh ... builds for linux/mipsle (OpenWrt) and runs it
# under qemu-mipsel (Debian's qemu-user). The guest's resident memory is
# then the sum of qemu's mappings below 4 GiB (the 32-bit guest's address
# space), sampled every 0.2 s for the peak; CPU ticks are the emulator's.
# qemu-user cannot set promiscuous mode, so that run needs a config file
# with "promiscuous: false" (on lo it changes nothing).
set -e
secs=${1:-8}
[ $# -gt 0 ] && shift
bin=$(mktemp -d)/wifihk-agent
run=
if [ "$ARCH" = mipsle ]; then
	GOARCH=mipsle GOMIPS=softfloat CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin" "./$(dirname "$0")"
	run=qemu-mipsel
else
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$bin" "./$(dirname "$0")"
fi
[ $# -gt 0 ] || set -- -controller http://127.0.0.1:9 -token x -iface lo -interval 2s -spool "$(dirname "$bin")/spool"
$run "$bin" "$@" 2>"$bin.log" &
pid=$!
sleep 1
python3 - "$secs" "$pid" "$run" <<'PY'
import socket, sys, time
secs, pid, emulated = float(sys.argv[1]), sys.argv[2], sys.argv[3] != ""

def guest_kb():
    # Rss and Anonymous of the mappings below 4 GiB: the 32-bit guest's.
    rss = anon = 0
    low = False
    for line in open(f"/proc/{pid}/smaps"):
        f = line.split()
        if "-" in f[0] and len(f[0].split("-")[1]) > 0 and not f[0].endswith(":"):
            low = int(f[0].split("-")[1], 16) <= 1 << 32
        elif f[0] == "Rss:" and low:
            rss += int(f[1])
        elif f[0] == "Anonymous:" and low:
            anon += int(f[1])
    return rss, anon

s, data, n, peak = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), b"x" * 1200, 0, (0, 0)
end = next_sample = time.time()
end += secs
while time.time() < end:
    for _ in range(100):
        s.sendto(data, ("127.0.0.1", 9999))
    n += 100
    if emulated and time.time() >= next_sample:
        peak, next_sample = max(peak, guest_kb()), time.time() + 0.2
print(n, "datagrams")
if emulated:
    rss, anon = guest_kb()
    print(f"guest: peak Rss {peak[0]} kB (anonymous {peak[1]} kB); now Rss {rss} kB (anonymous {anon} kB)")
PY
grep -E 'VmHWM|VmRSS|RssAnon|RssFile' /proc/$pid/status | tr -s '\t ' ' ' | tr '\n' ' '
awk '{print "cpu_ticks=" $14+$15}' /proc/$pid/stat
kill $pid
