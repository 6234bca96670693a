# Sourced by the compare scripts: an equal CPU budget for the servers
# being compared, with CFS bandwidth control (cgroup v2 cpu.max, or v1
# cpu.cfs_quota_us). Needs root and a writable cgroup cpu controller.
#
#   dir=$(cpucap_make NAME PERCENT)   a new cgroup whose processes together
#                                     get at most PERCENT% of one CPU
#   cpucap_each TAG PERCENT NAME...   one such cgroup per NAME, its path in
#                                     the caller's associative array cg[NAME]
#   "${cpucap_in[@]}" "$dir" CMD...   runs CMD inside it (exec: $! is
#                                     CMD's pid)
#   cpucap_throttled "$dir"           periods in which it hit its cap so far
#   cpucap_remove "$dir"              once its processes have exited

cpucap_make() {
  local name=$1 pct=$2 period=100000 dir
  if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
    dir=/sys/fs/cgroup/$name
    mkdir "$dir" && echo "$((period * pct / 100)) $period" >"$dir/cpu.max"
  elif [ -d /sys/fs/cgroup/cpu ]; then
    dir=/sys/fs/cgroup/cpu/$name
    mkdir "$dir" && echo "$period" >"$dir/cpu.cfs_period_us" && echo "$((period * pct / 100))" >"$dir/cpu.cfs_quota_us"
  else
    echo "no cgroup cpu controller here: cannot cap CPU" >&2
    return 1
  fi
  echo "$dir"
}

cpucap_each() {
  local tag=$1 pct=$2 name
  shift 2
  for name; do cg[$name]=$(cpucap_make "$tag-$name-$$" "$pct"); done
}

# shellcheck disable=SC2016 # $$ and $0 are the inner shell's
cpucap_in=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"')

cpucap_throttled() { awk '$1 == "nr_throttled" { print $2 }' "$1/cpu.stat"; }

cpucap_remove() { rmdir "$1" 2>/dev/null || true; }
