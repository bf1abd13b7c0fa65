# shellcheck shell=bash
# Functions of tests/moodle/bench: the web stack as the image runs it (nginx + PHP-FPM with the
# image's PHP settings), the Redis behind the emulated network, CPU accounting by cgroup.
# Sourced after lib.sh; uses $root, $here, $work, $webroot, $web_port. Every server's pid is in
# $work/pids/NAME.pid, so the outer process can stop what a killed run left.

bench_packages=(nginx php8.2-fpm gnuplot-nox libnetfilter-queue-dev iptables iproute2 util-linux gcc curl)
image_php=$root/docker/image/usr/local/lib/moodle-docker

bench_ensure_packages() {
  mc_packages+=("${bench_packages[@]}")
  mc_ensure_packages
}

bench_pid() { # NAME PID: records a server's pid
  mkdir -p "$work/pids" && echo "$2" > "$work/pids/$1.pid"
}

# Stops every recorded server (TERM, then KILL after 10 s), newest first.
bench_stop_pids() {
  local f pid sig _
  for f in $(ls -t "$work"/pids/*.pid 2>/dev/null); do
    pid=$(cat "$f") sig=TERM
    [ "$(basename "$f")" != postgres.pid ] || sig=INT # PostgreSQL's fast shutdown
    kill -s "$sig" "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
    rm -f "$f"
  done
}

# cpuacct cgroups, one per server: exact CPU time, including processes that ended meanwhile.
bench_cgroups=${bench_cgroups:-/sys/fs/cgroup/cpuacct/mcbench-$$}
bench_cg_create() {
  local g
  for g in php-fpm postgres redis nginx; do mkdir -p "$bench_cgroups/$g" || return 1; done
}
bench_cg_adopt() { # GROUP PID: moves a process and its descendants into a group
  local child
  echo "$2" > "$bench_cgroups/$1/cgroup.procs" 2>/dev/null || return 1
  for child in $(pgrep -P "$2"); do bench_cg_adopt "$1" "$child"; done
}
bench_cg_remove() {
  [ -d "$bench_cgroups" ] || return 0
  local g
  for g in "$bench_cgroups"/*/; do rmdir "$g" 2>/dev/null; done
  rmdir "$bench_cgroups" 2>/dev/null
}

bench_start_redis_srv() { # Redis in the server's namespace, on its veth address
  srv_port=6390
  mkdir -p "$work/redis-srv"
  ip netns exec "$netns_srv" taskset -c "$server_cpus" redis-server --port "$srv_port" --bind "$netns_srv_ip" \
    --protected-mode no --save '' --appendonly no --dir "$work/redis-srv" --daemonize yes \
    --pidfile "$work/redis-srv/pid" --logfile "$work/redis-srv/log" || return 1
  for _ in $(seq 100); do
    redis-cli -h "$netns_srv_ip" -p "$srv_port" ping >/dev/null 2>&1 && break
    sleep 0.05
  done
  bench_pid redis-srv "$(cat "$work/redis-srv/pid")"
  bench_cg_adopt redis "$(cat "$work/redis-srv/pid")"
}

# PHP-FPM with the image's pool (docker/.../php-fpm.conf) and PHP settings (moodle.ini,
# opcache-fpm.ini), Debian's php.ini for FPM and its extensions, our private moodlecache.so with
# the near cache's size set. Paths move to $work; workers run as root (this script's user).
bench_start_fpm() {
  local d=$work/fpm max=$workers
  mkdir -p "$d/conf.d"
  sed -e "s|/run/php/php-fpm.pid|$d/pid|" -e "s|/run/php/php-fpm.sock|$d/sock|" \
      -e "s|^error_log = .*|error_log = $d/error.log|" -e 's|^\[moodle\]$|[moodle]\nuser = root\ngroup = root|' \
      "$image_php/php/php-fpm.conf" > "$d/php-fpm.conf"
  cp "$image_php/php/moodle.ini" "$d/conf.d/90-moodle.ini"
  cp "$image_php/php/opcache-fpm.ini" "$d/conf.d/90-opcache-moodle.ini"
  printf 'extension=%s\nmoodlecache.near_cache_size=%s\n' "$work/ext/moodlecache.so" "$near_cache_size" \
    > "$d/conf.d/30-moodlecache.ini"
  # The pool size and spare servers as the image's entrypoint sets them (moodle-entrypoint fpm_env).
  export PHP_FPM_MAX_CHILDREN=$max PHP_FPM_MIN_SPARE=$(( max < 4 ? 1 : max / 4 ))
  export PHP_FPM_MAX_SPARE=$(( max < 2 ? 1 : max / 2 )) PHP_FPM_START_SERVERS=$(( max < 4 ? 1 : max / 4 ))
  fpm_env=(env PHP_INI_SCAN_DIR="/etc/php/8.2/fpm/conf.d:$d/conf.d" php-fpm8.2 -c /etc/php/8.2/fpm/php.ini)
  "${fpm_env[@]}" -R -t -y "$d/php-fpm.conf" > "$d/test.log" 2>&1 || { cat "$d/test.log"; return 1; }
  "${fpm_env[@]}" -i > "$d/info.txt" 2>&1
  grep -qx "moodlecache.near_cache_size => $near_cache_size => $near_cache_size" "$d/info.txt" || {
    echo "PHP-FPM does not load moodlecache with moodlecache.near_cache_size=$near_cache_size"; return 1; }
  "${fpm_env[@]}" -R -F -y "$d/php-fpm.conf" > "$d/stdout.log" 2>&1 &
  bench_pid php-fpm $!
  for _ in $(seq 100); do [ -S "$d/sock" ] && break; sleep 0.05; done
  [ -S "$d/sock" ] || { cat "$d/error.log"; return 1; }
  bench_cg_adopt php-fpm "$(cat "$work/pids/php-fpm.pid")"
}

# nginx from the image's template, listening on 127.0.0.1:$web_port, files under $work/nginx, with
# one location of the benchmark's own: /bench-muc-reload drops Moodle's cache configuration
# (muc/config.php) from PHP-FPM's OPcache, which the CLI that rewrote it cannot do.
bench_start_nginx() {
  local d=$work/nginx
  mkdir -p "$d/tmp"
  cat > "$work/bench-muc-reload.php" <<'EOF'
<?php
$file = $_SERVER['BENCH_MUC_CONFIG'];
echo !opcache_is_script_cached($file) || opcache_invalidate($file, true) ? 'invalidated' : 'kept';
EOF
  cat > "$d/bench-location.conf" <<EOF
        location = /bench-muc-reload {
            allow 127.0.0.1;
            deny all;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $work/bench-muc-reload.php;
            fastcgi_param BENCH_MUC_CONFIG $work/data/muc/config.php;
            fastcgi_pass unix:$work/fpm/sock;
        }
EOF
  sed -e "s|@PORT@|127.0.0.1:$web_port|" -e "s|@CODEROOT@|$webroot|" -e "s|@DATAROOT@|$work/data|" \
      -e "s|@LOCALCACHEDIR@|$work/data/localcache|" -e "s|/run/nginx/nginx.pid|$d/pid|" \
      -e "s|/tmp/nginx/|$d/tmp/|" -e "s|unix:/run/php/php-fpm.sock|unix:$work/fpm/sock|" \
      -e "s|^error_log .*|error_log $d/error.log warn;\nuser root root;|" -e "s|access_log /dev/stdout;|access_log $d/access.log;|" \
      "$image_php/nginx.conf.template" |
    awk -v extra="$d/bench-location.conf" '/location = \/fpm-status/ { while ((getline l < extra) > 0) print l } { print }' \
    > "$d/nginx.conf"
  nginx -t -c "$d/nginx.conf" -e "$d/error.log" > "$d/test.log" 2>&1 || { cat "$d/test.log"; return 1; }
  nginx -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;' &
  bench_pid nginx $!
  local code=
  for _ in $(seq 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/healthz") && [ "$code" = 200 ] && break
    sleep 0.05
  done
  [ "$code" = 200 ] || { echo "nginx + PHP-FPM: /healthz answered ${code:-nothing}"; cat "$d/error.log"; return 1; }
  bench_cg_adopt nginx "$(cat "$work/pids/nginx.pid")"
}

bench_adopt_started() { # the servers lib.sh started: PostgreSQL and the loopback Redis
  bench_pid postgres "$(head -1 "$work/pg/data/postmaster.pid")"
  bench_pid redis "$(cat "$work/redis/pid")"
  bench_cg_adopt postgres "$(cat "$work/pids/postgres.pid")" && bench_cg_adopt redis "$(cat "$work/pids/redis.pid")"
}

# Median PING round trip in µs to the server-side Redis, through phpredis, from the web stack's CPU.
bench_rtt() {
  php -r '$r = new Redis(); $r->connect($argv[1], (int)$argv[2]); $l = [];
    for ($i = 0; $i < 300; $i++) { $t = hrtime(true); $r->ping(); $l[] = (hrtime(true) - $t) / 1000; }
    sort($l); printf("%.0f", $l[150]);' "$netns_srv_ip" "$srv_port"
}
