# Sourced by the cluster integration tests and the benchmark: starts and
# stops a Redis Cluster of 3 masters (and by default 3 replicas) on free
# 127.0.0.1 ports.
#   cluster_start DIR [REPLICAS]  -> CLUSTER_PORTS, CLUSTER_SEEDS (the first 3 nodes)
#   cluster_stop DIR
# With CLUSTER_TLS=DIR (holding ca.crt, server.crt, server.key; see
# cluster_make_certs) every node listens on TLS only, the cluster bus too,
# and the seeds are tls://.
# Node timeout 1000 ms, so a killed master's replica is promoted in ~2 s.
source "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"

cluster_free_port() {
  php -r '$s=stream_socket_server("tcp://127.0.0.1:0"); $n=stream_socket_get_name($s,false); echo substr($n, strrpos($n, ":")+1);'
}

# redis-cli with the TLS arguments when CLUSTER_TLS is set.
cluster_cli() {
  if [ -n "${CLUSTER_TLS:-}" ]; then
    redis-cli --tls --cacert "$CLUSTER_TLS/ca.crt" "$@"
  else
    redis-cli "$@"
  fi
}

# A CA and a certificate for 127.0.0.1 in DIR.
cluster_make_certs() { # DIR
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=moodlecache-test-ca \
    -keyout "$1/ca.key" -out "$1/ca.crt" 2>/dev/null &&
  openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$1/server.key" -out "$1/server.csr" 2>/dev/null &&
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > "$1/ext.cnf" &&
  openssl x509 -req -in "$1/server.csr" -CA "$1/ca.crt" -CAkey "$1/ca.key" -CAcreateserial -days 2 \
    -extfile "$1/ext.cnf" -out "$1/server.crt" 2>/dev/null
}

cluster_start_node() { # DIR PORT
  mkdir -p "$1/$2"
  local listen=(--port "$2")
  if [ -n "${CLUSTER_TLS:-}" ]; then
    listen=(--port 0 --tls-port "$2" --tls-cluster yes --tls-replication yes --tls-auth-clients no
            --tls-cert-file "$CLUSTER_TLS/server.crt" --tls-key-file "$CLUSTER_TLS/server.key"
            --tls-ca-cert-file "$CLUSTER_TLS/ca.crt")
  fi
  redis-server "${listen[@]}" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$1/$2/nodes.conf" \
    --cluster-node-timeout 1000 --save '' --appendonly no --dir "$1/$2" --daemonize yes \
    --pidfile "$1/$2/redis.pid" --logfile "$1/$2/redis.log"
  for _ in $(seq 100); do cluster_cli -p "$2" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
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
  cluster_cli --cluster create "${addrs[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 \
    || { cat "$dir/create.log" >&2; return 1; }
  # every node says ok with all slots served, twice in a row (a node that
  # has just met the others may still flip to fail); 30 s at most
  local streak=0
  for _ in $(seq 300); do
    local ok=1
    for p in "${ports[@]}"; do
      local info
      info=$(cluster_cli -p "$p" cluster info 2>/dev/null)
      grep -q 'cluster_state:ok' <<<"$info" && grep -q 'cluster_slots_ok:16384' <<<"$info" || ok=0
    done
    if [ $ok = 1 ]; then streak=$((streak + 1)); else streak=0; fi
    [ $streak -ge 2 ] && break
    sleep 0.1
  done
  if [ $streak -lt 2 ]; then
    echo "cluster_start: the cluster in $dir is not ok after 30 s" >&2
    for p in "${ports[@]}"; do echo "--- node $p" >&2; cluster_cli -p "$p" cluster info 2>&1 | head -3 >&2; done
    return 1
  fi
  CLUSTER_PORTS="${ports[*]}"
  local scheme=tcp
  [ -n "${CLUSTER_TLS:-}" ] && scheme=tls
  CLUSTER_SEEDS=$(printf "$scheme://127.0.0.1:%s," "${ports[@]:0:3}")
  CLUSTER_SEEDS=${CLUSTER_SEEDS%,}
  export CLUSTER_PORTS CLUSTER_SEEDS
}

cluster_stop() { # DIR: kill -9 of every node, waiting until each is gone
  mc_stop_pidfile -9 "$1"/*/redis.pid
}
