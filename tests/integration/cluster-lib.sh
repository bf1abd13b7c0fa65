# Sourced by the cluster integration tests and the benchmark: starts and
# stops a Redis Cluster of 3 masters (and by default 3 replicas) on free
# 127.0.0.1 ports.
#   cluster_start DIR [REPLICAS]  -> CLUSTER_PORTS, CLUSTER_SEEDS (the first 3 nodes)
#   cluster_stop DIR
# Node timeout 1000 ms, so a killed master's replica is promoted in ~2 s.

cluster_free_port() {
  php -r '$s=stream_socket_server("tcp://127.0.0.1:0"); $n=stream_socket_get_name($s,false); echo substr($n, strrpos($n, ":")+1);'
}

cluster_start_node() { # DIR PORT
  mkdir -p "$1/$2"
  redis-server --port "$2" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$1/$2/nodes.conf" \
    --cluster-node-timeout 1000 --save '' --appendonly no --dir "$1/$2" --daemonize yes \
    --pidfile "$1/$2/redis.pid" --logfile "$1/$2/redis.log"
  for _ in $(seq 100); do redis-cli -p "$2" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "redis-server on port $2 did not start" >&2
  return 1
}

cluster_start() { # DIR [REPLICAS per master, default 1]
  local dir=$1 replicas=${2:-1} ports=() addrs=()
  for _ in $(seq $((3 * (1 + replicas)))); do
    local p
    p=$(cluster_free_port)
    while [[ " ${ports[*]} " == *" $p "* ]]; do p=$(cluster_free_port); done
    ports+=("$p")
  done
  for p in "${ports[@]}"; do cluster_start_node "$dir" "$p" || return 1; addrs+=("127.0.0.1:$p"); done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 \
    || { cat "$dir/create.log" >&2; return 1; }
  for _ in $(seq 200); do
    local ok=1
    for p in "${ports[@]}"; do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
    done
    [ $ok = 1 ] && break
    sleep 0.1
  done
  CLUSTER_PORTS="${ports[*]}"
  CLUSTER_SEEDS=$(printf 'tcp://127.0.0.1:%s,' "${ports[@]:0:3}")
  CLUSTER_SEEDS=${CLUSTER_SEEDS%,}
  export CLUSTER_PORTS CLUSTER_SEEDS
}

cluster_stop() { # DIR
  local f
  for f in "$1"/*/redis.pid; do
    [ -f "$f" ] && { kill -9 "$(cat "$f")" 2>/dev/null || true; }
  done
}
