#!/usr/bin/env bash
# The container image (docker/), built and run for real: a private dockerd,
# a Debian base imported from debootstrap (no registry is reachable), host
# networking, our own PostgreSQL and Redis on 127.0.0.1.
#
# Without MOODLE_DIR the image is built around a stand-in Moodle tree
# (docker/test/standin-moodle) that exercises the image's mechanics. With
# MOODLE_DIR=/path/to/moodle (a 4.5 or 5.1 checkout) a second image is built
# around it and Moodle is really installed, served and its caches checked.
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
cleanup() {
  set +e
  mc_stop_pidfile "$work/redis.pid"
  if [ -f "$work/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate stop >/dev/null 2>&1
  fi
  stop_dockerd "$work/dockerd" "$docker_data"
  [ -n "$moodle_src_copy" ] && rm -rf "$moodle_src_copy"
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
               docker/test/lib.sh tests/suites/60-docker-image.sh)
check "shellcheck: entrypoint, build and test scripts" shellcheck -x "${shell_scripts[@]}"

php_lint() {
  local f rc=0
  while read -r f; do php -l "$f" >/dev/null || rc=1; done \
    < <(find docker -name '*.php' -not -path 'docker/.moodle-src/*')
  return "$rc"
}
check "php -l: every PHP file of docker/" php_lint

# hadolint is not in Debian: the rules we rely on, checked directly.
dockerfile_lint() {
  local f=docker/Dockerfile rc=0
  grep -q '^ARG BASE_IMAGE=debian:[a-z]*-slim$' "$f" || { echo "  BASE_IMAGE default is not a debian:*-slim" >&2; rc=1; }
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
check "Dockerfile rules (base, non-root, no secrets, apt hygiene, exec-form entrypoint)" dockerfile_lint
################################################################ build
echo "# build (private dockerd, debootstrap base)"
if [ ! -f config.m4 ]; then
  not_ok "the extension's config.m4 is in the repository"
  finish
fi
start_dockerd "$work/dockerd" "$docker_data"
t0=$(date +%s)
import_debian_base local/debian:bookworm bookworm "$cache"
echo "# base image ready in $(( $(date +%s) - t0 )) s (tarball cached in .build-docker/)"

# build TAG BUILD-ARGS...: logs to $work/build-TAG.log; prints the build time.
build() {
  local tag=$1 t
  shift
  t=$(date +%s)
  if DOCKER_BUILDKIT=1 $docker build --network host --progress plain -f docker/Dockerfile \
       --build-arg BASE_IMAGE=local/debian:bookworm "$@" -t "$image:$tag" . \
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
grep -E 'setup-image: ' "$work/build-standin.log" | sed 's/^#[0-9]* [0-9.]* /# /'

################################################################ image
echo "# image"
run() { $docker run --rm --network host "$@"; }
check "runs as uid/gid 10001 (moodle)" test "$(run "$image:standin" id -un):$(run "$image:standin" id -u):$(run "$image:standin" id -g)" = "moodle:10001:10001"
check "image config: USER 10001:10001, port 8080" \
  test "$($docker image inspect -f '{{.Config.User}} {{range $p, $_ := .Config.ExposedPorts}}{{$p}}{{end}}' "$image:standin")" = "10001:10001 8080/tcp"
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

# scenario TAG DB: install-or-upgrade twice at once, config, web, probes,
# cron, caches; for image $image:TAG against database DB. Sets $web_port.
scenario() {
  local tag=$1 db=$2 dir=$work/run-$1
  web_port=$(free_port 58080)
  mkdir -p "$dir/moodledata" "$dir/local1" "$dir/local2" "$dir/local3"
  chown -R 10001:10001 "$dir"
  new_db "$db"
  # What the Helm chart gives a pod: read-only root, volumes, secrets as files.
  # shellcheck disable=SC2054 # commas are tmpfs mount options
  local -a pod=(--network host --read-only
    --tmpfs /run:uid=10001,gid=10001,mode=0755 --tmpfs /tmp:mode=1777
    -v "$dir/moodledata:/var/moodledata" -v "$work/secrets:/etc/moodle-secrets:ro"
    -e "MOODLE_WWWROOT=http://127.0.0.1:$web_port" -e MOODLE_DB_TYPE=pgsql
    -e MOODLE_DB_HOST=127.0.0.1 -e "MOODLE_DB_PORT=$pg_port" -e "MOODLE_DB_NAME=$db"
    -e "MOODLE_DB_USER=$db" -e "MOODLE_DB_PASSWORD_FILE=/etc/moodle-secrets/db-$db"
    -e MOODLE_ADMIN_USER=admin -e MOODLE_ADMIN_PASSWORD_FILE=/etc/moodle-secrets/admin-password
    -e MOODLE_ADMIN_EMAIL=admin@example.com -e "MOODLE_SITE_NAME=moodlecache test $tag"
    -e MOODLE_REDIS_HOST=127.0.0.1 -e "MOODLE_REDIS_PORT=$redis_port" -e MOODLE_REDIS_TLS=false
    -e MOODLE_REDIS_PASSWORD_FILE=/etc/moodle-secrets/redis-password
    -e "MOODLE_HTTP_PORT=$web_port")

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

  # web, as the chart runs it.
  $docker run -d --name "web-$tag" "${pod[@]}" -v "$dir/local3:/var/cache/moodle-local" "$image:$tag" >/dev/null
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
    check "[$tag] the stand-in install ran once (moodledata/standin-installs.log)" \
      test "$(wc -l < "$dir/moodledata/standin-installs.log")" = 1
  else
    check "[$tag] web: Moodle's login page (HTTP 200, login form)" eval '
      test "$(cat "$dir/login.code")" = 200 && contains "$dir/login.out" "name=\"username\""'
    check "[$tag] web: Moodle sessions are in Redis" eval '
      redis-cli -p "$redis_port" -a "$redis_pass" --no-auth-warning --scan --pattern "sess_${db}_*" | grep -q .'
  fi
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

################################################################ real Moodle
if [ -z "${MOODLE_DIR:-}" ]; then
  mc_skip 60-docker-image "real Moodle" "MOODLE_DIR not set" | sed 's/^/# /'
  [ "${PIPESTATUS[0]}" = 0 ] || not_ok "the real-Moodle skip is in tests/expected-skips.txt"
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
  if build moodle --build-arg MOODLE_SOURCE=context --build-arg MOODLE_CONTEXT_DIR=docker/.moodle-src; then
    ok "image builds with the Moodle of MOODLE_DIR"
    grep -E 'setup-image: ' "$work/build-moodle.log" | sed 's/^#[0-9]* [0-9.]* /# /'
    scenario moodle moodle
  else
    not_ok "image builds with the Moodle of MOODLE_DIR"
  fi
fi

finish
