#!/usr/bin/env bash
# The container image (docker/), built and run for real: a private dockerd,
# a Debian base imported from debootstrap (no registry is reachable), host
# networking, our own PostgreSQL and Redis on 127.0.0.1.
#
# Without MOODLE_DIR the image is built around a stand-in Moodle tree
# (docker/test/standin-moodle) that exercises the image's mechanics. With
# MOODLE_DIR=/path/to/moodle (a 4.5 or 5.1 checkout) a second image is built
# around it and Moodle is really installed, served and its caches checked.
# With OBJECTFS_PLUGINS_DIR too (a tree holding admin/tool/objectfs and
# local/aws, never committed) that image gets the plugins through the build
# argument, and Moodle's files go to S3 on s3rver (npm, started here).
#
# Lints first. Prints "N passed, N failed" last; exits non-zero on a failure.
# Single-quoted code below is for eval and sh -c inside the containers.
# shellcheck disable=SC2016
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
# shellcheck source=docker/test/lib.sh
source docker/test/lib.sh
# shellcheck source=tests/harness/lib.sh
source tests/harness/lib.sh

docker=/usr/bin/docker
image=moodlecache/moodle
passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "NOT OK - $*"; failed=$((failed + 1)); }
# check DESCRIPTION COMMAND...: one test, passing when COMMAND succeeds.
check() {
  local desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

work=$(mktemp -d /tmp/moodlecache-docker.XXXXXX)
chmod 755 "$work"
# Docker's images and build cache persist here (gitignored) so reruns are
# fast; a run that finds it in use by another run takes a temporary one.
cache=$root/.build-docker
mkdir -p "$cache"
docker_data=$cache/docker-data
exec 9>"$cache/docker-data.lock"
flock -n 9 || docker_data=$work/docker-data
moodle_src_copy=
plugins_copy=
cleanup() {
  set +e
  mc_stop_pidfile "$work/redis.pid" "$work/s3rver.pid" "$work/archive-server.pid"
  if [ -f "$work/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  fi
  stop_dockerd "$work/dockerd" "$docker_data"
  [ -n "$moodle_src_copy" ] && rm -rf "$moodle_src_copy"
  [ -n "$plugins_copy" ] && rm -rf "$plugins_copy"
  rm -rf "$work"
}
trap cleanup EXIT

# A TCP port nobody listens on, from $1 upwards.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

# contains FILE TEXT: FILE holds TEXT, else show FILE.
contains() {
  grep -qF -- "$2" "$1" && return 0
  echo "  expected '$2' in $(basename "$1"); it holds:" >&2
  sed 's/^/  | /' "$1" | tail -20 >&2
  return 1
}

################################################################ lint
echo "# lint"
shell_scripts=(docker/image/usr/local/bin/moodle-entrypoint
               docker/image/usr/local/lib/moodle-docker/setup-image.sh
               docker/test/lib.sh tests/suites/60-docker-image.sh scripts/debian-rootfs scripts/promtool)
check "shellcheck: entrypoint, build and test scripts" shellcheck -x "${shell_scripts[@]}"

php_lint() {
  local f rc=0
  while read -r f; do php -l "$f" >/dev/null || rc=1; done \
    < <(find docker -name '*.php' -not -path 'docker/.moodle-src/*' -not -path 'docker/.extra-plugins/*' -not -path '*/node_modules/*')
  return "$rc"
}
check "php -l: every PHP file of docker/" php_lint

# hadolint is not in Debian: the rules we rely on, checked directly.
dockerfile_lint() {
  local f=docker/Dockerfile rc=0
  grep -q '^ARG BASE_IMAGE=debian:trixie-slim$' "$f" || { echo "  BASE_IMAGE default is not debian:trixie-slim (Debian 13, PHP 8.4)" >&2; rc=1; }
  if ! grep -q 'sha256sum -c' "$f" || grep -q 'if \[ -n "\$MOODLE_SHA256" \]' "$f"; then
    echo "  the Moodle download is not always checked against MOODLE_SHA256" >&2; rc=1
  fi
  grep -q '^USER 10001:10001$' "$f" || { echo "  no USER 10001:10001" >&2; rc=1; }
  [ "$(grep -c '^USER' "$f")" -eq 1 ] || { echo "  USER more than once" >&2; rc=1; }
  grep -qE '^(ADD|MAINTAINER) ' "$f" && { echo "  ADD/MAINTAINER used" >&2; rc=1; }
  grep -qE '^(ENV|ARG) .*(PASSWORD|SECRET)[A-Z_]*=' "$f" && { echo "  a secret in ENV/ARG" >&2; rc=1; }
  # Every apt-get install skips recommends; every RUN with apt-get update cleans the lists.
  grep -E 'apt-get install' "$f" | grep -vq -- '--no-install-recommends' && { echo "  apt-get install without --no-install-recommends" >&2; rc=1; }
  awk '/^RUN/{run=$0; while (/\\$/ && (getline line) > 0) { $0 = line; run = run "\n" line }
       if (run ~ /apt-get update/ && run !~ /rm -rf [^&]*\/var\/lib\/apt\/lists/) bad=1 }
       END { exit bad }' "$f" || { echo "  apt lists left in a layer" >&2; rc=1; }
  grep -qE '^ENTRYPOINT \["/usr/bin/tini", "--", ' "$f" || { echo "  ENTRYPOINT not exec-form under tini" >&2; rc=1; }
  return "$rc"
}
check "Dockerfile rules (Debian 13 base, checked download, non-root, no secrets, apt hygiene, exec-form entrypoint)" dockerfile_lint
################################################################ build
echo "# build (private dockerd, debootstrap base)"
if [ ! -f config.m4 ]; then
  not_ok "the extension's config.m4 is in the repository"
  finish
fi
start_dockerd "$work/dockerd" "$docker_data"
t0=$(date +%s)
import_debian_base local/debian:trixie trixie "$cache"
echo "# base image ready in $(( $(date +%s) - t0 )) s (tarball cached in .build-docker/)"

# build TAG BUILD-ARGS...: logs to $work/build-TAG.log; prints the build time.
build() {
  local tag=$1 t
  shift
  t=$(date +%s)
  if DOCKER_BUILDKIT=1 $docker build --network host --progress plain -f docker/Dockerfile \
       --build-arg BASE_IMAGE=local/debian:trixie "$@" -t "$image:$tag" . \
       >"$work/build-$tag.log" 2>&1; then
    echo "# built $image:$tag in $(( $(date +%s) - t )) s," \
      "$($docker image inspect -f '{{.Size}}' "$image:$tag" | awk '{printf "%.0f MB", $1/1e6}')"
    return 0
  fi
  echo "  build failed; the end of its log:" >&2
  tail -40 "$work/build-$tag.log" >&2
  return 1
}
echo "# building with the STAND-IN Moodle tree (docker/test/standin-moodle: not Moodle; it exercises the image's mechanics)"
if ! build standin --build-arg MOODLE_SOURCE=context --build-arg MOODLE_CONTEXT_DIR=docker/test/standin-moodle; then
  not_ok "image builds (stand-in Moodle, real extension)"
  finish
fi
ok "image builds (stand-in Moodle, real extension from this repository)"
{ grep -E 'setup-image: ' "$work/build-standin.log" || true; } | sed 's/^#[0-9]* [0-9.]* /# /'
echo "# building again with STAND-IN extra plugins (docker/test/standin-plugins: not tool_objectfs/local_aws)"
if build standin-objectfs --build-arg MOODLE_SOURCE=context --build-arg MOODLE_CONTEXT_DIR=docker/test/standin-moodle \
     --build-arg MOODLE_EXTRA_PLUGINS_DIR=docker/test/standin-plugins; then
  ok "image builds with MOODLE_EXTRA_PLUGINS_DIR (stand-in tool_objectfs and local_aws)"
else
  not_ok "image builds with MOODLE_EXTRA_PLUGINS_DIR (stand-in tool_objectfs and local_aws)"
fi

################################################################ download checksum
echo "# Moodle downloads need MOODLE_SHA256: a local archive served over HTTP on 127.0.0.1"
archive_dir=$work/moodle-archive
mkdir -p "$archive_dir"
tar -C docker/test -czf "$archive_dir/moodle-test.tgz" --transform 's|^standin-moodle|moodle|' standin-moodle
archive_port=$(free_port 58180)
php -S "127.0.0.1:$archive_port" -t "$archive_dir" >/dev/null 2>&1 &
echo $! > "$work/archive-server.pid"
for _ in $(seq 1 40); do (exec 3<>"/dev/tcp/127.0.0.1/$archive_port") 2>/dev/null && break; sleep 0.25; done
# download_build ARGS...: builds only the download stage (logs to $work/download.log).
download_build() {
  DOCKER_BUILDKIT=1 $docker build --network host --progress plain -f docker/Dockerfile --target moodle-download \
    --build-arg BASE_IMAGE=local/debian:trixie --build-arg MOODLE_SOURCE=download \
    --build-arg "MOODLE_URL=http://127.0.0.1:$archive_port/moodle-test.tgz" "$@" . >"$work/download.log" 2>&1
}
if download_build; then
  not_ok "a download without MOODLE_SHA256 is refused"
else
  check "a download without MOODLE_SHA256 is refused, naming it" contains "$work/download.log" "MOODLE_SHA256 is required"
fi
if download_build --build-arg "MOODLE_SHA256=$(printf '0%.0s' $(seq 64))"; then
  not_ok "a download whose SHA-256 differs from MOODLE_SHA256 fails"
else
  check "a download whose SHA-256 differs from MOODLE_SHA256 fails" contains "$work/download.log" "FAILED"
fi
if download_build --build-arg "MOODLE_SHA256=$(sha256sum "$archive_dir/moodle-test.tgz" | cut -d' ' -f1)"; then
  ok "a download matching MOODLE_SHA256 is unpacked"
else
  not_ok "a download matching MOODLE_SHA256 is unpacked"
  tail -20 "$work/download.log" >&2
fi
mc_stop_pidfile "$work/archive-server.pid" && rm -f "$work/archive-server.pid"

################################################################ image
echo "# image"
run() { $docker run --rm --network host "$@"; }
check "runs as uid/gid 10001 (moodle)" test "$(run "$image:standin" id -un):$(run "$image:standin" id -u):$(run "$image:standin" id -g)" = "moodle:10001:10001"
check "image config: USER 10001:10001, ports 8080 (site), 9113 and 9253 (metrics)" \
  test "$($docker image inspect -f '{{.Config.User}} {{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}' "$image:standin")" = "10001:10001 8080/tcp 9113/tcp 9253/tcp "
check "PHP 8.4 from Debian 13 (trixie)" \
  run "$image:standin" sh -c 'php -r "exit(PHP_MAJOR_VERSION . \".\" . PHP_MINOR_VERSION === \"8.4\" ? 0 : 1);" && grep -q "^VERSION_CODENAME=trixie" /etc/os-release'
check "Debian's Prometheus exporters for PHP-FPM and nginx are in the image" \
  run "$image:standin" sh -c 'command -v prometheus-phpfpm-exporter >/dev/null && command -v prometheus-nginx-exporter >/dev/null'
check "moodlecache.so loaded in the CLI (MoodleCache\\RedisStore exists)" \
  run "$image:standin" php -r 'exit(class_exists("MoodleCache\\RedisStore") ? 0 : 1);'
check "moodlecache.so has all its libraries" \
  run "$image:standin" sh -c '! ldd "$(php -r "echo ini_get(\"extension_dir\");")/moodlecache.so" | grep "not found"'
check "PHP-FPM loads moodlecache, redis, opcache" \
  run "$image:standin" sh -c 'php-fpm -m | grep -qx moodlecache && php-fpm -m | grep -qx redis && php-fpm -m | grep -qx "Zend OPcache"'
check "OPcache tuned for PHP-FPM (save_comments, 256 MB, 50000 files)" \
  run "$image:standin" sh -c 'php-fpm -i | grep -q "opcache.memory_consumption => 256" && php-fpm -i | grep -q "opcache.save_comments => On => On" && php-fpm -i | grep -q "opcache.max_accelerated_files => 50000"'
check "Moodle code is root-owned and not writable by the runtime user" \
  run "$image:standin" sh -c 'test "$(stat -c %U /opt/moodle/public/version.php)" = root && ! test -w /opt/moodle/public && ! test -w /opt/moodle/config.php'
check "config.php is the loader of /run/moodle/config.php (no settings baked in)" \
  run "$image:standin" sh -c 'grep -q "/run/moodle/config.php" /opt/moodle/config.php && ! grep -q dbpass /opt/moodle/config.php'
if [ -d moodle-plugin ]; then
  plugin_check() {
    local rel rc=0
    while read -r rel; do
      run -i "$image:standin" cmp -s "/opt/moodle/public/$rel/version.php" - < "moodle-plugin/$rel/version.php" \
        || { echo "  $rel not installed" >&2; rc=1; }
    done < <(cd moodle-plugin && find . -name version.php -printf '%h\n' | sed 's|^\./||')
    return "$rc"
  }
  check "moodle-plugin/ plugins installed under the code root (public/)" plugin_check
else
  echo "# skipped: moodle-plugin/ does not exist yet (plugin copy only shown by the build log)"
fi
extra_plugins_check() {
  local rel rc=0
  for rel in admin/tool/objectfs local/aws; do
    run -i "$image:standin-objectfs" sh -c "cmp -s /opt/moodle/public/$rel/version.php - && test \"\$(stat -c %U /opt/moodle/public/$rel)\" = root" \
      < "docker/test/standin-plugins/$rel/version.php" || { echo "  $rel not installed (root-owned)" >&2; rc=1; }
  done
  run "$image:standin" test -e /opt/moodle/public/admin/tool/objectfs && { echo "  the default build installed tool_objectfs" >&2; rc=1; }
  return "$rc"
}
check "extra plugins from MOODLE_EXTRA_PLUGINS_DIR installed under the code root, root-owned; none by default" extra_plugins_check

################################################################ services
echo "# PostgreSQL and Redis on 127.0.0.1 (our own instances)"
pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin | sort -V | tail -1)
pg_port=$(free_port 55432)
redis_port=$(free_port 56379)
mkdir -p "$work/pg" "$work/secrets"
chown postgres "$work/pg"
echo "pg-$RANDOM$RANDOM" > "$work/secrets/pg-superuser"
chown postgres "$work/secrets/pg-superuser"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -A scram-sha-256 -U postgres \
  --pwfile="$work/secrets/pg-superuser" -E UTF8 --locale=C.UTF-8 >"$work/pg/initdb.log" 2>&1
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1" start >/dev/null
redis_pass="redis-$RANDOM$RANDOM"
redis-server --port "$redis_port" --bind 127.0.0.1 --requirepass "$redis_pass" --save '' \
  --appendonly no --daemonize yes --pidfile "$work/redis.pid" --dir "$work" \
  --logfile "$work/redis.log"
printf '%s\n' "$redis_pass" > "$work/secrets/redis-password"
printf '%s\n' "admin-Pw-$RANDOM!" > "$work/secrets/admin-password"
chmod 0444 "$work/secrets/"*

# new_db NAME: an empty database NAME owned by user NAME (password in secrets/db-NAME).
new_db() {
  local pass="db-$RANDOM$RANDOM"
  printf '%s\n' "$pass" > "$work/secrets/db-$1"
  chmod 0444 "$work/secrets/db-$1"
  PGPASSWORD=$(cat "$work/secrets/pg-superuser") psql -q -h 127.0.0.1 -p "$pg_port" -U postgres \
    -c "CREATE USER $1 PASSWORD '$pass'" \
    -c "CREATE DATABASE $1 OWNER $1 ENCODING 'UTF8' TEMPLATE template0" >/dev/null
}

# metric FILE NAME [TEXT]: the sum of the samples of NAME in a scrape FILE
# whose labels contain TEXT (0 when there is none).
metric() {
  awk -v name="$2" -v text="${3:-}" '
    $1 == name || index($1, name "{") == 1 { if (text == "" || index($0, text) > 0) sum += $NF }
    END { printf "%d\n", sum }' "$1" 2>/dev/null || echo 0
}

# scrape URL FILE [third-party]: fetches a metrics page; promtool (Debian's
# prometheus package, scripts/promtool) must parse it and find nothing to
# lint, or, for a page of names we do not choose (third-party), parse it.
scrape() {
  local rc=0
  curl -sf -o "$2" "$1" || { echo "  no answer from $1" >&2; return 1; }
  scripts/promtool check metrics < "$2" > "$2.lint" 2>&1 || rc=$?
  if [ "$rc" = 3 ] && [ "${3:-}" = third-party ]; then
    sed "s|^|# promtool lint of $1 (the exporter's names, not ours): |" "$2.lint"
    rc=0
  fi
  [ "$rc" = 0 ] || { echo "  promtool check metrics on $1 (exit $rc):" >&2; sed 's/^/  | /' "$2.lint" >&2; return 1; }
}

# pod_args TAG DB: sets the array pod to what the Helm chart gives a pod of
# image $image:TAG against database DB: read-only root, volumes, secrets as
# files, settings as environment (web on $web_port).
pod_args() {
  local dir=$work/run-$1
  # shellcheck disable=SC2054 # commas are tmpfs mount options
  pod=(--network host --read-only
    --tmpfs /run:uid=10001,gid=10001,mode=0755 --tmpfs /tmp:mode=1777
    -v "$dir/moodledata:/var/moodledata" -v "$work/secrets:/etc/moodle-secrets:ro"
    -e "MOODLE_WWWROOT=http://127.0.0.1:$web_port" -e MOODLE_DB_TYPE=pgsql
    -e MOODLE_DB_HOST=127.0.0.1 -e "MOODLE_DB_PORT=$pg_port" -e "MOODLE_DB_NAME=$2"
    -e "MOODLE_DB_USER=$2" -e "MOODLE_DB_PASSWORD_FILE=/etc/moodle-secrets/db-$2"
    -e MOODLE_ADMIN_USER=admin -e MOODLE_ADMIN_PASSWORD_FILE=/etc/moodle-secrets/admin-password
    -e MOODLE_ADMIN_EMAIL=admin@example.com -e "MOODLE_SITE_NAME=moodlecache test $1"
    -e MOODLE_REDIS_HOST=127.0.0.1 -e "MOODLE_REDIS_PORT=$redis_port" -e MOODLE_REDIS_TLS=false
    -e MOODLE_REDIS_PASSWORD_FILE=/etc/moodle-secrets/redis-password
    -e "MOODLE_HTTP_PORT=$web_port")
}

# metrics_scenario TAG DIR PORT NGINX-PORT: the web container's metrics,
# scraped and parsed by promtool; the moodlecache figures move when the cache
# is used (the stand-in's cache-use.php, or Moodle's login page).
metrics_scenario() {
  local tag=$1 dir=$2 port=$3 nginx_port=$4 store before after near
  for _ in $(seq 1 40); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.25; done
  check "[$tag] metrics: PHP-FPM and moodlecache on port $port parse as Prometheus text (promtool check metrics)" \
    scrape "http://127.0.0.1:$port/metrics" "$dir/metrics-before.txt"
  check "[$tag] metrics: the pool's status (php_fpm_up 1, processes) and the extension (moodlecache_up 1, near cache memory)" eval '
    test "$(metric "$dir/metrics-before.txt" php_fpm_up)" = 1 && test "$(metric "$dir/metrics-before.txt" php_fpm_total_processes)" -ge 1 &&
    test "$(metric "$dir/metrics-before.txt" moodlecache_up)" = 1 &&
    test "$(metric "$dir/metrics-before.txt" moodlecache_near_cache_size_bytes)" -gt 0'
  if [ "$tag" = standin ]; then
    store=standin_metrics_
    curl -sf "http://127.0.0.1:$web_port/cache-use.php?n=20" >/dev/null
    sleep 1   # the near cache's listener proves itself live, then reads are served near
    curl -sf "http://127.0.0.1:$web_port/cache-use.php?n=20" >/dev/null
  else
    store="prefix 'muc_"
    curl -sf -o /dev/null "http://127.0.0.1:$web_port/login/index.php"
    curl -sf -o /dev/null "http://127.0.0.1:$web_port/login/index.php"
  fi
  scrape "http://127.0.0.1:$port/metrics" "$dir/metrics-after.txt" || true
  before=$(metric "$dir/metrics-before.txt" moodlecache_hits_total "$store")
  after=$(metric "$dir/metrics-after.txt" moodlecache_hits_total "$store")
  near=$(metric "$dir/metrics-after.txt" moodlecache_near_hits_total "$store")
  check "[$tag] metrics: the figures move when the cache is used (hits $before -> $after, near hits $near; round trips, bytes)" eval '
    test "$after" -gt "$before" &&
    test "$(metric "$dir/metrics-after.txt" moodlecache_round_trips_total "$store")" -gt 0 &&
    test "$(metric "$dir/metrics-after.txt" moodlecache_bytes_received_total "$store")" -gt 0 &&
    test "$(metric "$dir/metrics-after.txt" php_fpm_accepted_connections_total)" -gt "$(metric "$dir/metrics-before.txt" php_fpm_accepted_connections_total)"'
  if [ "$tag" = standin ]; then
    check "[$tag] metrics: near hits once the near cache is trusted" test "$near" -gt 0
  fi
  { grep -sE "^moodlecache_(hits|near_hits|round_trips)_total|^moodlecache_near_(trusted|cache_entries)|^php_fpm_(active|idle)_processes" \
    "$dir/metrics-after.txt" || true; } | sed 's/^/# scrape: /'
  check "[$tag] metrics: nginx's connection counts on port $nginx_port (prometheus-nginx-exporter), parsed by promtool" eval '
    scrape "http://127.0.0.1:$nginx_port/metrics" "$dir/metrics-nginx.txt" third-party &&
    test "$(metric "$dir/metrics-nginx.txt" nginx_up)" = 1 && test "$(metric "$dir/metrics-nginx.txt" nginx_connections_accepted)" -gt 0'
  # The chart's dashboard and alerts query only names this image serves.
  local name missing=""
  while read -r name; do
    grep -sqE "^${name}[{ ]" "$dir/metrics-after.txt" "$dir/metrics-nginx.txt" || missing="$missing $name"
  done < <(grep -ohE '\b(moodlecache|php_fpm|nginx)_[a-z_]+' k8s/charts/moodle/dashboards/*.json \
             k8s/charts/moodle/templates/prometheusrule.yaml | sort -u)
  check "[$tag] metrics: every name the chart's dashboard and alerts use is in these scrapes${missing:+ (missing:$missing)}" test -z "$missing"
  check "[$tag] metrics: not served on the site's port" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/metrics")" != 200
}

# scenario TAG DB: install-or-upgrade twice at once, config, web, probes,
# cron, caches; for image $image:TAG against database DB. Sets $web_port.
scenario() {
  local tag=$1 db=$2 dir=$work/run-$1
  web_port=$(free_port 58080)
  mkdir -p "$dir/moodledata" "$dir/local1" "$dir/local2" "$dir/local3"
  chown -R 10001:10001 "$dir"
  new_db "$db"
  pod_args "$tag" "$db"

  # Config rendering.
  $docker run --rm "${pod[@]}" -e MOODLE_SSLPROXY=true -e MOODLE_LOCK_FACTORY=moodlecache \
    -v "$dir/local1:/var/cache/moodle-local" "$image:$tag" config >"$dir/config.out" 2>&1 || true
  config_check() {
    local f=$dir/config.out
    contains "$f" "\$CFG->wwwroot = 'http://127.0.0.1:$web_port';" &&
    contains "$f" "\$CFG->dbpass = '***';" &&
    contains "$f" "\$CFG->session_handler_class = '\\\\core\\\\session\\\\redis';" &&
    contains "$f" "\$CFG->session_redis_auth = '***';" &&
    contains "$f" "\$CFG->localcachedir = '/var/cache/moodle-local';" &&
    contains "$f" "\$CFG->sslproxy = true;" &&
    contains "$f" "\$CFG->lock_factory = '\\\\cachelock_moodlecache\\\\lock_factory';" &&
    ! grep -qF "$(cat "$work/secrets/db-$db")" "$f"
  }
  check "[$tag] config: rendered from env and secret files, secrets masked" config_check
  $docker run --rm "${pod[@]}" -e MOODLE_REDIS_TLS=true -e MOODLE_REVERSEPROXY=true \
    -v "$dir/local1:/var/cache/moodle-local" "$image:$tag" config >"$dir/config-tls.out" 2>&1 || true
  check "[$tag] config: MOODLE_REDIS_TLS=true encrypts sessions (system CAs), reverseproxy" eval '
    contains "$dir/config-tls.out" "\$CFG->session_redis_encrypt = array (" &&
    contains "$dir/config-tls.out" "'"'"'cafile'"'"' => '"'"'/etc/ssl/certs/ca-certificates.crt'"'"'," &&
    contains "$dir/config-tls.out" "\$CFG->reverseproxy = true;"'
  if $docker run --rm "${pod[@]}" -e MOODLE_DB_HOST= -v "$dir/local1:/var/cache/moodle-local" \
       "$image:$tag" config >"$dir/config-bad.out" 2>&1; then
    not_ok "[$tag] config: a missing MOODLE_DB_HOST fails"
  else
    check "[$tag] config: a missing MOODLE_DB_HOST fails, naming it" contains "$dir/config-bad.out" "MOODLE_DB_HOST must be set"
  fi

  # install-or-upgrade in two pods at once: exactly one installs.
  local t
  t=$(date +%s)
  $docker run --rm "${pod[@]}" -v "$dir/local1:/var/cache/moodle-local" "$image:$tag" install-or-upgrade >"$dir/install1.out" 2>&1 &
  local p1=$!
  $docker run --rm "${pod[@]}" -v "$dir/local2:/var/cache/moodle-local" "$image:$tag" install-or-upgrade >"$dir/install2.out" 2>&1 &
  local p2=$!
  local rc1=0 rc2=0
  wait "$p1" || rc1=$?
  wait "$p2" || rc2=$?
  echo "# [$tag] two concurrent install-or-upgrade runs took $(( $(date +%s) - t )) s"
  check "[$tag] install-or-upgrade: both pods exit 0" test "$rc1:$rc2" = "0:0"
  local installs ups
  installs=$(cat "$dir/install1.out" "$dir/install2.out" | grep -c 'RESULT installed' || true)
  ups=$(cat "$dir/install1.out" "$dir/install2.out" | grep -c 'RESULT already installed and up to date' || true)
  check "[$tag] install-or-upgrade: exactly one pod installed, the other found it installed ($installs/$ups)" \
    test "$installs:$ups" = "1:1"
  if [ "$rc1:$rc2" != "0:0" ] || [ "$installs:$ups" != "1:1" ]; then
    tail -30 "$dir/install1.out" "$dir/install2.out" | sed 's/^/  | /'
  fi
  grep -h 'install-or-upgrade:\|map-caches:' "$dir/install1.out" "$dir/install2.out" | sed 's/^/# /'
  $docker run --rm "${pod[@]}" -v "$dir/local1:/var/cache/moodle-local" "$image:$tag" install-or-upgrade >"$dir/install3.out" 2>&1 || true
  check "[$tag] install-or-upgrade: a third run is a no-op" contains "$dir/install3.out" "RESULT already installed and up to date"
  if $docker run --rm "${pod[@]}" -v "$dir/local1:/var/cache/moodle-local" "$image:$tag" map-caches --check >"$dir/map.out" 2>&1; then
    ok "[$tag] caches: application and session mapped to the moodlecache store"
  else
    not_ok "[$tag] caches: application and session mapped to the moodlecache store"
  fi
  sed 's/^/# /' "$dir/map.out"

  # web, as the chart runs it, with its metrics on ports of their own.
  # As EKS Pod Identity sets it; a static key must not reach PHP-FPM workers.
  local metrics_port nginx_metrics_port
  metrics_port=$(free_port 59253)
  nginx_metrics_port=$(free_port 59113)
  $docker run -d --name "web-$tag" "${pod[@]}" -v "$dir/local3:/var/cache/moodle-local" \
    -e AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials -e AWS_ACCESS_KEY_ID=AKIDNOTFORFPM \
    -e "MOODLE_METRICS_PORT=$metrics_port" -e "MOODLE_NGINX_METRICS_PORT=$nginx_metrics_port" \
    "$image:$tag" >/dev/null
  local code=000
  for _ in $(seq 1 60); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/healthz" || true)
    [ "$code" = 200 ] && break
    sleep 0.5
  done
  check "[$tag] web: GET /healthz is 200 (nginx + PHP-FPM ping, no DB)" test "$code" = 200
  curl -s -o "$dir/readyz.out" -w '%{http_code}\n' "http://127.0.0.1:$web_port/readyz" > "$dir/readyz.code" || true
  check "[$tag] web: GET /readyz is 200 (config, moodledata, DB, installed)" \
    eval 'test "$(cat "$dir/readyz.code")" = 200 && contains "$dir/readyz.out" "ready: Moodle version"'
  check "[$tag] health command (exec probe) passes for live and ready" \
    eval '$docker exec "web-$tag" moodle-entrypoint health live >/dev/null && $docker exec "web-$tag" moodle-entrypoint health ready >/dev/null'
  check "[$tag] web: nginx and PHP-FPM run as uid 10001 only" \
    eval 'test "$($docker exec "web-$tag" ps -eo uid= | sort -u | tr -d " ")" = 10001'
  check "[$tag] web: hidden and vendor paths are not served" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web_port/composer.json")" = 404
  curl -s -L -o "$dir/login.out" -w '%{http_code}\n' "http://127.0.0.1:$web_port/login/index.php" > "$dir/login.code" || true
  if [ "$tag" = standin ]; then
    check "[$tag] web: PHP-FPM serves a PHP page with moodlecache, redis, OPcache, DB" eval '
      test "$(cat "$dir/login.code")" = 200 &&
      contains "$dir/login.out" "stand-in login page (not Moodle)" && contains "$dir/login.out" "sapi: fpm-fcgi" &&
      contains "$dir/login.out" "user: 10001" && contains "$dir/login.out" "moodlecache: loaded" &&
      contains "$dir/login.out" "opcache: on" && contains "$dir/login.out" "redis: PONG" &&
      contains "$dir/login.out" "db version: 2099010100"'
    check "[$tag] web: PHP-FPM workers see the Pod Identity credentials URI, not a static key in the environment" eval '
      contains "$dir/login.out" "aws credentials uri: http://169.254.170.23/v1/credentials" &&
      contains "$dir/login.out" "aws access key in env: no"'
    check "[$tag] the stand-in install ran once (moodledata/standin-installs.log)" \
      test "$(wc -l < "$dir/moodledata/standin-installs.log")" = 1
  else
    check "[$tag] web: Moodle's login page (HTTP 200, login form)" eval '
      test "$(cat "$dir/login.code")" = 200 && contains "$dir/login.out" "name=\"username\""'
    check "[$tag] web: Moodle sessions are in Redis" eval '
      redis-cli -p "$redis_port" -a "$redis_pass" --no-auth-warning --scan --pattern "sess_${db}_*" | grep -q .'
  fi
  metrics_scenario "$tag" "$dir" "$metrics_port" "$nginx_metrics_port"
  $docker logs "web-$tag" >"$dir/web.log" 2>&1
  t=$(date +%s)
  $docker stop -t 20 "web-$tag" >/dev/null
  check "[$tag] web: stops gracefully on SIGTERM (within 10 s, exit 0)" eval '
    test $(( $(date +%s) - t )) -lt 10 && test "$($docker inspect -f "{{.State.ExitCode}}" "web-$tag")" = 0'
  $docker rm "web-$tag" >/dev/null

  # cron once, then the loop stopping on SIGTERM.
  if $docker run --rm "${pod[@]}" -v "$dir/local1:/var/cache/moodle-local" "$image:$tag" cron >"$dir/cron.out" 2>&1; then
    ok "[$tag] cron: one run exits 0"
  else
    not_ok "[$tag] cron: one run exits 0"
    tail -20 "$dir/cron.out" | sed 's/^/  | /'
  fi
  $docker run -d --name "cron-$tag" "${pod[@]}" -v "$dir/local2:/var/cache/moodle-local" "$image:$tag" cron --loop 1 >/dev/null
  local runs=0
  for _ in $(seq 1 120); do
    runs=$($docker logs "cron-$tag" 2>&1 | grep -c "Cron run completed correctly\|stand-in cron.php: ran" || true)
    [ "$runs" -ge 2 ] && break
    sleep 1
  done
  $docker stop -t 30 "cron-$tag" >/dev/null
  check "[$tag] cron --loop: ran $runs times, stops on SIGTERM with exit 0" eval '
    test "$runs" -ge 2 && test "$($docker inspect -f "{{.State.ExitCode}}" "cron-$tag")" = 0'
  $docker rm "cron-$tag" >/dev/null
}

echo "# scenario: stand-in Moodle (image mechanics)"
scenario standin standin

echo "# an install killed half-way (stand-in): reported, then recovered when safe; refused when not"
new_db partial
pod_args standin partial
partial=(--rm "${pod[@]}" -v "$work/run-standin/local1:/var/cache/moodle-local")
$docker run -d --name partial-install "${pod[@]}" -v "$work/run-standin/local1:/var/cache/moodle-local" \
  -e STANDIN_INSTALL_STALL=300 "$image:standin" install-or-upgrade >/dev/null
for _ in $(seq 1 60); do $docker logs partial-install 2>&1 | grep -q "before rolesactive" && break; sleep 0.5; done
$docker kill partial-install >/dev/null
$docker rm -f partial-install >/dev/null
if $docker run "${partial[@]}" -e MOODLE_RECOVER_PARTIAL_INSTALL=false "$image:standin" install-or-upgrade >"$work/partial1.out" 2>&1; then
  not_ok "install-or-upgrade after a killed install, recovery off: fails"
else
  check "install-or-upgrade after a killed install, recovery off: fails, says what it found and how to recover" eval '
    contains "$work/partial1.out" "not installed but not empty: an install that stopped half-way" &&
    contains "$work/partial1.out" "To recover: run install-or-upgrade again with MOODLE_RECOVER_PARTIAL_INSTALL=true"'
fi
$docker run "${partial[@]}" "$image:standin" install-or-upgrade >"$work/partial2.out" 2>&1 || true
check "install-or-upgrade after a killed install: drops it and installs (safe: no users or courses beyond the installer's)" \
  contains "$work/partial2.out" "RESULT recovered a partial install and installed"
$docker run "${partial[@]}" "$image:standin" install-or-upgrade >"$work/partial3.out" 2>&1 || true
check "install-or-upgrade once recovered: installed and up to date" contains "$work/partial3.out" "RESULT already installed and up to date"
new_db notsafe
PGPASSWORD=$(cat "$work/secrets/db-notsafe") psql -q -h 127.0.0.1 -p "$pg_port" -U notsafe notsafe \
  -c "CREATE TABLE mdl_config (name varchar(100) PRIMARY KEY, value text)" \
  -c "INSERT INTO mdl_config VALUES ('version', '2099010100')" \
  -c "CREATE TABLE mdl_user (id serial PRIMARY KEY, username varchar(100))" \
  -c "INSERT INTO mdl_user (username) VALUES ('guest'), ('admin'), ('student1')" >/dev/null
pod_args standin notsafe
if $docker run --rm "${pod[@]}" -v "$work/run-standin/local1:/var/cache/moodle-local" "$image:standin" install-or-upgrade >"$work/notsafe.out" 2>&1; then
  not_ok "install-or-upgrade on unfinished tables with a real user: refuses"
else
  check "install-or-upgrade on unfinished tables with a real user: refuses, touches nothing" eval '
    contains "$work/notsafe.out" "It may hold data, so nothing was touched" &&
    test "$(PGPASSWORD=$(cat "$work/secrets/db-notsafe") psql -tA -h 127.0.0.1 -p "$pg_port" -U notsafe notsafe -c "SELECT COUNT(*) FROM mdl_user")" = 3'
fi

echo "# files on S3 (tool_objectfs): settings from the environment"
pod_args standin standin
s3_env=(-v "$work/run-standin/local1:/var/cache/moodle-local"
        -e MOODLE_S3_BUCKET=moodle-files-test -e MOODLE_S3_REGION=eu-west-1 -e MOODLE_OBJECTFS_MINIMUM_AGE=3600)
$docker run --rm "${pod[@]}" "${s3_env[@]}" "$image:standin-objectfs" config >"$work/config-s3.out" 2>&1 || true
config_s3_check() {
  local f=$work/config-s3.out
  contains "$f" "\$CFG->alternative_file_system_class = '\\\\tool_objectfs\\\\s3_file_system';" &&
  contains "$f" "'s3_bucket' => 'moodle-files-test'," && contains "$f" "'s3_region' => 'eu-west-1'," &&
  contains "$f" "'s3_usesdkcreds' => 1," && contains "$f" "'s3_key' => ''," && contains "$f" "'minimumage' => 3600," &&
  contains "$f" "'deletelocal' => 1," && contains "$f" "'deleteexternal' => 0,"
}
check "config: MOODLE_S3_* render tool_objectfs as Moodle's file system, SDK credentials, forced settings" config_s3_check
if $docker run --rm "${pod[@]}" "${s3_env[@]}" "$image:standin" config >"$work/config-s3-missing.out" 2>&1; then
  not_ok "config: MOODLE_S3_BUCKET without tool_objectfs in the image fails"
else
  check "config: MOODLE_S3_BUCKET without tool_objectfs in the image fails, naming it" \
    contains "$work/config-s3-missing.out" "tool_objectfs is not in this image"
fi

################################################################ real Moodle
# objectfs_scenario TAG DB: Moodle's files on S3 through the real tool_objectfs
# of image $image:TAG (installed by scenario TAG DB), against s3rver (npm) on
# 127.0.0.1 with its well-known test credentials.
objectfs_scenario() {
  local tag=$1 db=$2 s3dir=$work/s3rver s3port hash found
  if ! (cd docker/test && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >"$work/npm-s3rver.log" 2>&1; then
    not_ok "[$tag] s3rver installs (npm ci in docker/test)"
    tail -5 "$work/npm-s3rver.log" >&2
    return
  fi
  s3port=$(free_port 54568)
  mkdir -p "$s3dir"
  node docker/test/node_modules/s3rver/bin/s3rver.js -d "$s3dir" -a 127.0.0.1 -p "$s3port" \
    --configure-bucket moodle-files --silent >"$work/s3rver.log" 2>&1 &
  echo $! >"$work/s3rver.pid"
  for _ in $(seq 1 40); do (exec 3<>"/dev/tcp/127.0.0.1/$s3port") 2>/dev/null && break; sleep 0.25; done
  pod_args "$tag" "$db"
  $docker run --rm "${pod[@]}" -v "$work/run-$tag/local1:/var/cache/moodle-local" \
    -v "$root/docker/test/objectfs-check.php:/srv/objectfs-check.php:ro" \
    -e MOODLE_S3_BUCKET=moodle-files -e MOODLE_S3_REGION=us-east-1 -e "MOODLE_S3_ENDPOINT=http://127.0.0.1:$s3port" \
    -e MOODLE_OBJECTFS_MINIMUM_AGE=0 -e MOODLE_OBJECTFS_SIZE_THRESHOLD=0 -e MOODLE_OBJECTFS_CONSISTENCY_DELAY=0 \
    -e AWS_ACCESS_KEY_ID=S3RVER -e AWS_SECRET_ACCESS_KEY=S3RVER \
    "$image:$tag" php /srv/objectfs-check.php >"$work/objectfs.out" 2>&1 || true
  sed 's/^/# /' "$work/objectfs.out" | grep -E '^# objectfs-check|rror' | head -20
  check "[$tag] files on S3: stored through Moodle, pushed by tool_objectfs's tasks, dropped from moodledata, read back" \
    contains "$work/objectfs.out" "objectfs-check: pushed "
  hash=$(sed -n 's/^objectfs-check: pushed //p' "$work/objectfs.out")
  found=
  [ -z "$hash" ] || found=$(find "$s3dir/moodle-files" -type f -name "*$hash*" 2>/dev/null | head -1)
  check "[$tag] files on S3: the object is in s3rver's bucket (${hash:-no hash})" test -n "$found"
  mc_stop_pidfile "$work/s3rver.pid" && rm -f "$work/s3rver.pid"
}

if [ -z "${MOODLE_DIR:-}" ]; then
  mc_skip 60-docker-image "real Moodle" "MOODLE_DIR not set" | sed 's/^/# /'
  [ "${PIPESTATUS[0]}" = 0 ] || not_ok "the real-Moodle skip is in tests/expected-skips.txt"
  mc_skip 60-docker-image "files on S3 against s3rver" "OBJECTFS_PLUGINS_DIR not set" | sed 's/^/# /'
  [ "${PIPESTATUS[0]}" = 0 ] || not_ok "the files-on-S3 skip is in tests/expected-skips.txt"
elif [ ! -f "$MOODLE_DIR/version.php" ] && [ ! -f "$MOODLE_DIR/public/version.php" ]; then
  not_ok "MOODLE_DIR=$MOODLE_DIR is a Moodle checkout (no version.php)"
else
  echo "# real Moodle from MOODLE_DIR=$MOODLE_DIR"
  # The build context is the repository: copy the checkout in (hard links
  # when it is on the same filesystem), gitignored, removed at exit.
  moodle_src_copy=$root/docker/.moodle-src
  rm -rf "$moodle_src_copy"
  cp -al "$MOODLE_DIR" "$moodle_src_copy" 2>/dev/null || cp -a "$MOODLE_DIR" "$moodle_src_copy"
  rm -f "$moodle_src_copy/config.php"
  # tool_objectfs and local_aws, when given, go in through the build argument.
  extra=()
  if [ -n "${OBJECTFS_PLUGINS_DIR:-}" ]; then
    plugins_copy=$root/docker/.extra-plugins
    rm -rf "$plugins_copy"
    cp -al "$OBJECTFS_PLUGINS_DIR" "$plugins_copy" 2>/dev/null || cp -a "$OBJECTFS_PLUGINS_DIR" "$plugins_copy"
    extra=(--build-arg MOODLE_EXTRA_PLUGINS_DIR=docker/.extra-plugins)
  fi
  if build moodle --build-arg MOODLE_SOURCE=context --build-arg MOODLE_CONTEXT_DIR=docker/.moodle-src "${extra[@]}"; then
    ok "image builds with the Moodle of MOODLE_DIR"
    { grep -E 'setup-image: ' "$work/build-moodle.log" || true; } | sed 's/^#[0-9]* [0-9.]* /# /'
    scenario moodle moodle
    if [ -z "${OBJECTFS_PLUGINS_DIR:-}" ]; then
      mc_skip 60-docker-image "files on S3 against s3rver" "OBJECTFS_PLUGINS_DIR not set" | sed 's/^/# /'
      [ "${PIPESTATUS[0]}" = 0 ] || not_ok "the files-on-S3 skip is in tests/expected-skips.txt"
    elif [ ! -f "$OBJECTFS_PLUGINS_DIR/admin/tool/objectfs/version.php" ] || [ ! -f "$OBJECTFS_PLUGINS_DIR/local/aws/version.php" ]; then
      not_ok "OBJECTFS_PLUGINS_DIR=$OBJECTFS_PLUGINS_DIR holds admin/tool/objectfs and local/aws"
    else
      objectfs_scenario moodle moodle
    fi
  else
    not_ok "image builds with the Moodle of MOODLE_DIR"
  fi
fi

finish
