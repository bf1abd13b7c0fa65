#!/bin/bash
# Build-time wiring of the runtime image; the Dockerfile runs it once, as root.
# Links our PHP and PHP-FPM settings for whatever PHP version the Debian base
# has, installs the Moodle plugins of moodle-plugin/ and the extra plugins
# given at build time into the Moodle tree,
# replaces config.php by a loader of the file rendered at start, and checks
# that the extensions load.
set -euo pipefail

lib=/usr/local/lib/moodle-docker
moodle=/opt/moodle
plugins=/usr/local/src/moodle-plugin

php_version=$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;')
etc=/etc/php/$php_version

# PHP-FPM under a version-independent name, with our own pool only.
ln -sf "/usr/sbin/php-fpm$php_version" /usr/local/sbin/php-fpm
rm -f "$etc"/fpm/pool.d/*.conf
ln -sf "$lib/php/moodlecache.ini" "$etc/mods-available/moodlecache.ini"
phpenmod -v "$php_version" moodlecache
for sapi in cli fpm; do
  ln -sf "$lib/php/moodle.ini" "$etc/$sapi/conf.d/90-moodle.ini"
done
ln -sf "$lib/php/opcache-fpm.ini" "$etc/fpm/conf.d/90-opcache-moodle.ini"
rm -f /etc/nginx/sites-enabled/default

# Everything Moodle and this image need must load (php -m lists modules).
missing=0
modules=$(php -m)
for ext in ctype curl dom exif fileinfo gd iconv intl json mbstring openssl \
           pcre simplexml soap sodium tokenizer xml xmlreader zip zlib \
           pgsql mysqli redis igbinary moodlecache; do
  grep -qix "$ext" <<<"$modules" || { echo "setup-image: PHP extension $ext is missing" >&2; missing=1; }
done
php -d opcache.enable_cli=1 -r 'exit(function_exists("opcache_get_status") ? 0 : 1);' \
  || { echo "setup-image: OPcache is missing" >&2; missing=1; }
php -r 'exit(class_exists("MoodleCache\\RedisStore") ? 0 : 1);' \
  || { echo "setup-image: moodlecache.so loads but MoodleCache\\RedisStore is absent" >&2; missing=1; }
[ "$missing" = 0 ]

# Moodle 5.1 serves from public/ (its code root); 4.5 from the tree root.
if [ -f "$moodle/public/version.php" ]; then
  coderoot=$moodle/public
elif [ -f "$moodle/version.php" ]; then
  coderoot=$moodle
else
  echo "setup-image: $moodle holds no Moodle tree (no version.php)" >&2
  exit 1
fi
echo "$coderoot" > "$lib/coderoot"
echo "setup-image: Moodle $(sed -n "s/^\$release *= *'\([^']*\)'.*/\1/p" "$coderoot/version.php"), code root $coderoot"

# A plugin directory mirrors the code root: every directory with a
# version.php (and no plugin above it) is a plugin, copied to the same place,
# owned by root. install_plugins DIR LABEL; DIR is removed afterwards.
install_plugins() {
  local dir=$1 label=$2 rel a
  local -a accepted=()
  if [ ! -d "$dir" ]; then
    echo "setup-image: no $label in the build context"
    return 0
  fi
  while read -r rel; do
    for a in "${accepted[@]}"; do [[ "$rel" == "$a"/* ]] && continue 2; done
    accepted+=("$rel")
    rm -rf "${coderoot:?}/$rel"
    mkdir -p "$(dirname "$coderoot/$rel")"
    cp -a "$dir/$rel" "$coderoot/$rel"
    chown -R root:root "$coderoot/$rel"
    echo "setup-image: plugin $rel installed ($label)"
  done < <(cd "$dir" && find . -name version.php -printf '%h\n' | sed 's|^\./||' | sort)
  [ ${#accepted[@]} -gt 0 ] || echo "setup-image: $label holds no plugin"
  rm -rf "$dir"
}
install_plugins "$plugins" moodle-plugin/
# Extra plugins given at build time (MOODLE_EXTRA_PLUGINS_DIR), e.g. tool_objectfs.
install_plugins /usr/local/src/moodle-extra-plugins "extra plugins"

# config.php only loads what the entrypoint renders into /run at start.
rm -f "$moodle/config.php"
install -m 0644 "$lib/config-loader.php" "$moodle/config.php"

# Writable paths (volumes in Kubernetes) belong to the runtime user.
install -d -o 10001 -g 10001 -m 0770 /var/moodledata /var/cache/moodle-local
chown 10001:10001 /run
chmod 0775 /run
