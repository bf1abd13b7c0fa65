# shellcheck shell=bash
# tests/harness/lib.sh - sourced by the suites and scripts that start
# servers: stopping what they started, for good, before they exit (a
# process signalled but still running when its suite ends is a leftover:
# see tests/harness/reaper.c).

# True when PID is gone (or only a zombie waiting for its parent).
mc_gone() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  [[ $stat == *") Z "* ]]
}

# mc_stop_pid [-9] PID...: SIGTERM (SIGKILL with -9; a stopped process is
# sent SIGCONT first), then waits until each is gone: 10 s, then SIGKILL
# and 5 s more.  Fails if one is still there.  Empty or non-numeric
# arguments are skipped, so "$(cat missing.pid 2>/dev/null)" is fine.
mc_stop_pid() {
  local sig=TERM pid pids=() i
  if [ "${1:-}" = -9 ]; then sig=KILL; shift; fi
  for pid in "$@"; do
    if ! [[ $pid =~ ^[0-9]+$ ]] || [ "$pid" -le 1 ]; then continue; fi
    kill -CONT "$pid" 2>/dev/null || continue
    kill "-$sig" "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for i in $(seq 300); do
      mc_gone "$pid" && continue 2
      [ "$i" = 200 ] && kill -KILL "$pid" 2>/dev/null
      sleep 0.05
    done
    echo "process $pid would not stop" >&2
    return 1
  done
}

# mc_stop_pidfile [-9] FILE...: mc_stop_pid on the pid each existing FILE holds.
mc_stop_pidfile() {
  local opt=() f pids=()
  if [ "${1:-}" = -9 ]; then opt=(-9); shift; fi
  for f in "$@"; do
    [ -f "$f" ] && pids+=("$(cat "$f" 2>/dev/null)")
  done
  mc_stop_pid "${opt[@]}" "${pids[@]}"
}

# mc_stop_tree [-9] PID...: mc_stop_pid on each PID and every process below
# it (a background function is a subshell: the program it runs is its child).
mc_stop_tree() {
  local opt=() pid all=() queue=()
  if [ "${1:-}" = -9 ]; then opt=(-9); shift; fi
  for pid in "$@"; do [[ $pid =~ ^[0-9]+$ ]] && queue+=("$pid"); done
  while [ ${#queue[@]} -gt 0 ]; do
    pid=${queue[0]}
    queue=("${queue[@]:1}")
    all+=("$pid")
    mapfile -t -O "${#queue[@]}" queue < <(pgrep -P "$pid")
  done
  mc_stop_pid "${opt[@]}" "${all[@]}"
}

# mc_skip SUITE SUBJECT REASON: says that the suite skips SUBJECT and why,
# and fails unless tests/expected-skips.txt lists that skip.
mc_skip() {
  "$(dirname "${BASH_SOURCE[0]}")/skips" "$1" --what "$2" "$3"
}
