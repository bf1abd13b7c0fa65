# shellcheck shell=bash
# tests/harness/servers.sh - sourced by scripts/run-phpt, make test
# (tests/harness/make-test-php) and the suites: private servers on free
# 127.0.0.1 ports, their files and pid files in a directory of the
# caller's, stopped with mc_stop_pidfile (lib.sh) or mc_phpt_servers_stop.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../integration/cluster-lib.sh"

# mc_wait_port PORT: until something listens on 127.0.0.1:PORT (5 s at most).
mc_wait_port() {
  local _
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}

# mc_start_redis DIR: redis-server on a free port and on DIR/redis.sock;
# sets MC_REDIS_PORT.
mc_start_redis() {
  MC_REDIS_PORT=$(cluster_free_port)
  redis-server --port "$MC_REDIS_PORT" --bind 127.0.0.1 --unixsocket "$1/redis.sock" --unixsocketperm 700 \
    --save '' --appendonly no --dir "$1" --daemonize yes --pidfile "$1/redis.pid" --logfile "$1/redis.log" &&
    mc_wait_port "$MC_REDIS_PORT"
}

# mc_start_memcached DIR N: N memcached on free ports (pid files
# DIR/memcached-I.pid); sets MC_MEMCACHED_SERVERS ("127.0.0.1:p1,...").
mc_start_memcached() {
  local n port servers=()
  for n in $(seq "$2"); do
    port=$(cluster_free_port)
    memcached -d -u "$(id -un)" -l 127.0.0.1 -p "$port" -U 0 -P "$1/memcached-$n.pid" && mc_wait_port "$port" || return 1
    servers+=("127.0.0.1:$port")
  done
  MC_MEMCACHED_SERVERS=$(IFS=,; echo "${servers[*]}")
}

# mc_phpt_servers DIR [--cluster]: the servers the phpt tests use, each
# unless its MOODLECACHE_TEST_* variable names a running one already:
# redis-server (TCP and a Unix socket), two memcached, with --cluster a
# Redis Cluster of 3 masters + 3 replicas.  Exports the variables; what
# cannot start (its program missing) is one "what: why" line in
# MC_SERVERS_MISSING.
mc_phpt_servers() {
  local dir=$1
  MC_SERVERS_MISSING=
  if [ -z "${MOODLECACHE_TEST_REDIS_PORT:-}" ]; then
    if command -v redis-server >/dev/null; then
      mc_start_redis "$dir" || return 1
      export MOODLECACHE_TEST_REDIS_PORT=$MC_REDIS_PORT MOODLECACHE_TEST_REDIS_SOCKET=$dir/redis.sock
    else
      MC_SERVERS_MISSING+="Redis: redis-server not installed (Debian: redis-server)"$'\n'
    fi
  fi
  if [ -z "${MOODLECACHE_TEST_MEMCACHED_SERVERS:-}" ]; then
    if command -v memcached >/dev/null; then
      mc_start_memcached "$dir" 2 || return 1
      export MOODLECACHE_TEST_MEMCACHED_SERVERS=$MC_MEMCACHED_SERVERS
    else
      MC_SERVERS_MISSING+="memcached: memcached not installed (Debian: memcached)"$'\n'
    fi
  fi
  if [ "${2:-}" = --cluster ] && [ -z "${MOODLECACHE_TEST_CLUSTER_SEEDS:-}" ]; then
    if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
      mkdir -p "$dir/cluster"
      cluster_start "$dir/cluster" >/dev/null || return 1
      export MOODLECACHE_TEST_CLUSTER_SEEDS=$CLUSTER_SEEDS
    else
      MC_SERVERS_MISSING+="Redis Cluster: redis-server and redis-cli needed (Debian: redis-server, redis-tools)"$'\n'
    fi
  fi
}

# mc_phpt_servers_stop DIR: every server whose pid file is below DIR.
mc_phpt_servers_stop() {
  local pidfiles
  mapfile -t pidfiles < <(find "$1" -name '*.pid' 2>/dev/null)
  mc_stop_pidfile -9 "${pidfiles[@]}"
}
