# Functions of tests/moodle/run: packages, servers, Moodle install, PHPUnit, page times.
# Sourced; uses $root, $here, $work. Every server listens on 127.0.0.1 only,
# on a free port, with its files under $work, and is stopped by its pid.

mc_packages=(postgresql php8.2-cli php8.2-pgsql php8.2-curl php8.2-gd php8.2-intl php8.2-mbstring
  php8.2-soap php8.2-xml php8.2-zip php8.2-redis locales phpunit redis-server memcached rsync)
[ -z "${MOODLE_PHPUNIT_VENDOR:-}" ] || mc_packages+=(composer)

mc_ensure_packages() {
  local missing=() p
  for p in "${mc_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null || {
      apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; }
  fi
  # Moodle's PHPUnit set-up wants this locale.
  if ! locale -a 2>/dev/null | grep -qi '^en_AU.utf-\?8$'; then
    sed -i 's/^# *en_AU.UTF-8 UTF-8/en_AU.UTF-8 UTF-8/' /etc/locale.gen && locale-gen >/dev/null
  fi
}

mc_build_extension() {
  if [ -n "${MOODLECACHE_SO:-}" ]; then so=$MOODLECACHE_SO; return 0; fi
  so=$root/modules/moodlecache.so
  [ -f "$so" ] || "$root/scripts/build-extension" >/dev/null || return 1
}

mc_free_port() {
  php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false);
    echo substr($n, strrpos($n, ":") + 1);'
}

# php with the extension (a private copy: others may rebuild modules/ meanwhile).
mc_php() { php "$@"; }

mc_copy_moodle() { # src dst
  rsync -a --exclude /.git --exclude /config.php "$1/" "$2/" || return 1
  moodle=$2
  if [ -f "$moodle/public/version.php" ]; then webroot=$moodle/public; else webroot=$moodle; fi
  plugindir=$webroot/cache/stores/moodlecache
  mkdir -p "$work/php.d" "$work/ext"
  cp "$so" "$work/ext/moodlecache.so"
  cat > "$work/php.d/99-moodlecache-test.ini" <<EOF
extension=$work/ext/moodlecache.so
max_input_vars=5000
memory_limit=512M
opcache.enable=1
opcache.enable_cli=1
EOF
  export PHP_INI_SCAN_DIR="/etc/php/8.2/cli/conf.d:$work/php.d"
  php -r 'exit(extension_loaded("moodlecache") ? 0 : 1);' || { echo "the extension does not load"; return 1; }
}

mc_moodle_release() { sed -n "s/^\$release *= *'\([^']*\)'.*/\1/p" "$webroot/version.php"; }
mc_moodle_branch() { sed -n "s/^\$branch *= *'\([0-9]*\)'.*/\1/p" "$webroot/version.php"; }

mc_install_plugins() {
  cp -a "$root/moodle-plugin/cache/stores/moodlecache" "$webroot/cache/stores/" || return 1
  if [ -d "$root/moodle-plugin/cache/locks/moodlecache" ] && [ "${MC_WITH_LOCKS:-1}" = 1 ]; then
    cp -a "$root/moodle-plugin/cache/locks/moodlecache" "$webroot/cache/locks/" || return 1
    echo "installed cachelock_moodlecache too"
  fi
}

mc_start_postgres() {
  local bin=/usr/lib/postgresql/15/bin
  pg_port=$(mc_free_port)
  mkdir -p "$work/pg" && chown postgres: "$work/pg"
  su postgres -s /bin/sh -c "$bin/initdb -D $work/pg/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" \
    > "$work/pg-init.log" 2>&1 || { cat "$work/pg-init.log"; return 1; }
  su postgres -s /bin/sh -c "$bin/pg_ctl -D $work/pg/data -w -l $work/pg/log \
    -o '-p $pg_port -c listen_addresses=127.0.0.1 -k $work/pg -c fsync=off -c synchronous_commit=off' start" \
    > /dev/null || { cat "$work/pg/log"; return 1; }
  pg_started=1
  psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE USER moodle PASSWORD 'moodle'" &&
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE moodle OWNER moodle ENCODING 'UTF8'"
}

mc_start_redis() {
  redis_port=$(mc_free_port)
  mkdir -p "$work/redis"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" \
    --daemonize yes --pidfile "$work/redis/pid" --logfile "$work/redis/log" || return 1
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}

mc_start_memcached() {
  memcached_port=
  php -r 'exit(class_exists("MoodleCache\\MemcachedStore") ? 0 : 1);' || {
    echo "memcached: not tested: the extension has no MoodleCache\\MemcachedStore"; return 0; }
  memcached_port=$(mc_free_port)
  memcached -d -u root -l 127.0.0.1 -p "$memcached_port" -m 64 -P "$work/memcached.pid" || memcached_port=
}

mc_stop_all() {
  [ -n "${web_pid:-}" ] && kill "$web_pid" 2>/dev/null
  [ -f "$work/redis/pid" ] && kill "$(cat "$work/redis/pid")" 2>/dev/null
  [ -f "$work/memcached.pid" ] && kill "$(cat "$work/memcached.pid")" 2>/dev/null
  [ -n "${pg_started:-}" ] && su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D $work/pg/data -m fast stop" >/dev/null 2>&1
  web_pid= pg_started=
}

mc_install_moodle() {
  web_port=$(mc_free_port)
  mkdir -p "$work/data" "$work/phpunitdata"
  local t0=$SECONDS
  php "$moodle/admin/cli/install.php" --non-interactive --agree-license --lang=en \
    --wwwroot="http://127.0.0.1:$web_port" --dataroot="$work/data" --dbtype=pgsql --dbhost=127.0.0.1 \
    --dbport="$pg_port" --dbname=moodle --dbuser=moodle --dbpass=moodle --prefix=mdl_ \
    --fullname="moodlecache test" --shortname=mctest --adminpass='Admin-1234' --adminemail=admin@example.com \
    > "$work/install.log" 2>&1 || { tail -40 "$work/install.log"; return 1; }
  echo "Moodle installed in $((SECONDS - t0)) s"
  # Test settings, before lib/setup.php is required.
  local cfg=$moodle/config.php
  php -r '
    $f = $argv[1];
    $extra = "\$CFG->phpunit_prefix = \"phpu_\";\n\$CFG->phpunit_dataroot = \"" . $argv[2] . "\";\n"
      . "if (getenv(\"MC_TEST_APPSTORE\")) {\n"
      . "    define(\"TEST_CACHE_USING_APPLICATION_STORE\", getenv(\"MC_TEST_APPSTORE\"));\n"
      . "    define(\"TEST_CACHE_USING_ALT_CACHE_CONFIG_PATH\", true);\n}\n"
      . "foreach ([\"TEST_CACHESTORE_REDIS_TESTSERVERS\", \"TEST_CACHESTORE_MOODLECACHE_TESTSERVERS\"] as \$n) {\n"
      . "    if (getenv(\$n)) {\n        define(\$n, getenv(\$n));\n    }\n}\n";
    $s = file_get_contents($f);
    $s = preg_replace("/^require_once\(.*setup\.php.*$/m", $extra . "$0", $s, 1);
    file_put_contents($f, $s);' "$cfg" "$work/phpunitdata"
  grep -q phpunit_prefix "$cfg" || return 1
  php -r 'define("CLI_SCRIPT", true); require $argv[1];
    $p = core_plugin_manager::instance()->get_plugin_info("cachestore_moodlecache");
    if (!$p || !$p->versiondb) { echo "cachestore_moodlecache is not installed\n"; exit(1); }
    echo "cachestore_moodlecache ", $p->versiondb, " installed, requirements ",
      cachestore_moodlecache::are_requirements_met() ? "met" : "NOT met", "\n";
    exit(cachestore_moodlecache::are_requirements_met() ? 0 : 1);' "$moodle/config.php"
}

mc_phpunit_wanted() { if [ "$(mc_moodle_branch)" -ge 500 ]; then echo 11; else echo 9.6; fi; }
# The PHPUnit of MOODLE_PHPUNIT_VENDOR (a Composer vendor/ directory holding phpunit/phpunit and
# its dependencies, with vendor/bin/phpunit), or nothing.
mc_phpunit_vendor_version() {
  [ -n "${MOODLE_PHPUNIT_VENDOR:-}" ] && [ -f "$MOODLE_PHPUNIT_VENDOR/bin/phpunit" ] &&
    php "$MOODLE_PHPUNIT_VENDOR/bin/phpunit" --version | awk '/^PHPUnit/ {print $2; exit}'
}
# Moodle 4.5: Debian's phpunit 9.6. Moodle 5.x: PHPUnit 11 from MOODLE_PHPUNIT_VENDOR.
mc_phpunit_supported() {
  local v
  [ "$(mc_phpunit_wanted)" = 9.6 ] && return 0
  v=$(mc_phpunit_vendor_version) && [ "${v%%.*}" = "$(mc_phpunit_wanted)" ]
}

mc_phpunit_init() {
  if [ "$(mc_phpunit_wanted)" = 9.6 ]; then
    # Debian's phpunit 9.6 seen through the vendor/ paths Moodle expects.
    mkdir -p "$moodle/vendor/bin" "$moodle/vendor/phpunit/phpunit"
    printf '<?php\nrequire_once %s;\n' "'/usr/share/php/PHPUnit/Autoload.php'" > "$moodle/vendor/autoload.php"
    printf '<?php\nrequire __DIR__ . %s;\nexit(PHPUnit\\TextUI\\Command::main(false));\n' "'/../autoload.php'" \
      > "$moodle/vendor/bin/phpunit"
    echo '{"name": "phpunit/phpunit", "version": "9.6"}' > "$moodle/vendor/phpunit/phpunit/composer.json"
  else
    # A copy of the given vendor/ (the Moodle copy's own is an empty autoloader), and the
    # autoloader remade by Debian's composer from Moodle's composer.json: the packages, and
    # Moodle's autoload-dev (core_phpunit, core_testing) at this copy's paths.
    command -v composer > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q composer > /dev/null
    rsync -a --delete "$MOODLE_PHPUNIT_VENDOR/" "$moodle/vendor/" || return 1
    (cd "$moodle" && COMPOSER_ALLOW_SUPERUSER=1 composer dump-autoload --no-interaction --no-scripts \
      > "$work/composer.log" 2>&1) || { cat "$work/composer.log"; return 1; }
    echo "PHPUnit $(mc_phpunit_vendor_version) from $MOODLE_PHPUNIT_VENDOR"
  fi
  local t0=$SECONDS util=$webroot/admin/tool/phpunit/cli/util.php
  (cd "$moodle" && php "$util" --install > "$work/phpunit-install.log" 2>&1 &&
    php "$util" --buildconfig >> "$work/phpunit-install.log" 2>&1) ||
    { tail -30 "$work/phpunit-install.log"; return 1; }
  echo "PHPUnit site initialised in $((SECONDS - t0)) s"
}

mc_phpunit() { # testsuite label [phpunit args]; MC_TEST_BACKEND, MC_TEST_APPSTORE (moodlecache or redis)
  local suite=$1 label=$2 log=$work/phpunit-$2.log junit=$work/phpunit-$2.xml server mc_phpunit_flags=()
  shift 2
  # PHPUnit 10+ counts its deprecations (e.g. metadata in doc-comments) but names them only when asked.
  [ "$(mc_phpunit_wanted)" = 9.6 ] || mc_phpunit_flags=(--display-phpunit-deprecations)
  if [ "${MC_TEST_BACKEND:-redis}" = memcached ]; then server=127.0.0.1:$memcached_port; else server=127.0.0.1:$redis_port; fi
  (cd "$moodle" && TEST_CACHESTORE_MOODLECACHE_TESTSERVERS=$server \
    TEST_CACHESTORE_MOODLECACHE_BACKEND=${MC_TEST_BACKEND:-redis} MC_TEST_APPSTORE=${MC_TEST_APPSTORE:-} \
    TEST_CACHESTORE_REDIS_TESTSERVERS=127.0.0.1:$redis_port \
    php vendor/bin/phpunit --colors=never --log-junit "$junit" --testsuite "$suite" "${mc_phpunit_flags[@]}" "$@" \
    > "$log" 2>&1)
  local rc=$?
  echo "phpunit $label ($suite): $(grep -E '^(OK|Tests:|OK, but|No tests)' "$log" | tail -1)"
  grep -E '^(PHPUnit|Runtime) ' "$log" | head -2 | sed 's/^/  /'

  # The failures, errors and warnings by name (not PHPUnit's own deprecations: counted above).
  awk '/^There (was|were) [0-9]+ / { show = ($0 !~ /deprecation/) } show && /^[0-9]+\) / { print "  " $0 }' "$log" | head -20
  if [ -n "${MC_TEST_APPSTORE:-}" ]; then
    # With TEST_CACHE_USING_APPLICATION_STORE, this test asserts the application store's class.
    if grep -q 'name="test_definition_mappings_only"[^>]*/>' "$junit"; then
      echo "  application caches of the test site were served by cachestore_$MC_TEST_APPSTORE (test_definition_mappings_only)"
    else
      echo "  could not confirm that cachestore_$MC_TEST_APPSTORE served the application caches"; rc=1
    fi
  fi
  return $rc
}

mc_redis_commands() {
  redis-cli -p "$redis_port" info stats | sed -n 's/^total_commands_processed:\([0-9]*\).*/\1/p'
}

mc_start_web() {
  php -S "127.0.0.1:$web_port" -t "$webroot" > "$work/web.log" 2>&1 &
  web_pid=$!
  for _ in $(seq 100); do
    php -r '$s = @stream_socket_client("tcp://127.0.0.1:" . $argv[1]); exit($s ? 0 : 1);' "$web_port" && return 0
    sleep 0.05
  done
  return 1
}

mc_page_times() { # pages rounds
  local pages=$1 rounds=$2 r mode rc=0
  mc_start_web || { echo "the built-in web server did not start"; return 1; }
  # Other work shares this machine: give the web server and Redis priority to cut the noise (all stores alike).
  renice -n -10 -p "$web_pid" "$(cat "$work/redis/pid")" > /dev/null 2>&1 || true
  rm -f "$work"/times-*.txt "$work"/commands-*.txt
  local modes=(moodlecache redis file)
  php -r 'exit(cachestore_has_near() ? 0 : 1); function cachestore_has_near() { try {
    new MoodleCache\RedisStore(["server" => "tcp://127.0.0.1:1", "near_cache" => true]); return true; }
    catch (Throwable $e) { return false; } }' && modes=(moodlecache moodlecache-near redis file)
  for r in $(seq "$rounds"); do
    for mode in "${modes[@]}"; do
      php "$here/configure-stores.php" --moodle="$moodle" --mode="$mode" --redis="127.0.0.1:$redis_port" \
        > "$work/configure-$mode.log" 2>&1 || { cat "$work/configure-$mode.log"; rc=1; continue; }
      [ "$r" = 1 ] && sed 's/^/  /' "$work/configure-$mode.log"
      local before after
      before=$(mc_redis_commands)
      php "$here/pagetime.php" --url="http://127.0.0.1:$web_port/" --count="$pages" --warmup=5 \
        >> "$work/times-$mode.txt" || rc=1
      after=$(mc_redis_commands)
      # Commands Redis served per page (warm-up included; the two INFO calls removed).
      echo "$(( (after - before - 1) )) $((pages + 5))" >> "$work/commands-$mode.txt"
    done
  done
  echo "front page of Moodle $(mc_moodle_release), $rounds rounds x $pages requests per store (after 5 warm-up requests each round):"
  local files=()
  for mode in "${modes[@]}"; do files+=("$work/times-$mode.txt"); done
  php "$here/pagetime.php" --summarise "${files[@]}" || rc=1
  for mode in "${modes[@]}"; do
    awk -v m="$mode" '{c += $1; n += $2} END {printf "  %-12s %6.1f Redis commands per page\n", m, n ? c / n : 0}' \
      "$work/commands-$mode.txt"
  done
  kill "$web_pid" 2>/dev/null; web_pid=
  return $rc
}
