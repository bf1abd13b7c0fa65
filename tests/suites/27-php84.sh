#!/usr/bin/env bash
# The extension on PHP 8.4, Debian 13 (trixie): the second entry of the build
# matrix (the host, Debian 12, gives PHP 8.2 to the suites 10 and 20). In a
# trixie chroot made from the cached debootstrap tarball (scripts/debian-rootfs,
# shared with the image suite): Debian's php8.4-dev, hiredis 1.2 and Redis 8.0;
# the extension built with the flags of config.m4, refused on any compiler
# warning; the Check unit suites of src/; the phpt suite against the chroot's
# redis-server and memcached (scripts/run-phpt starts and stops them). What
# is known to go wrong there is listed in tests/trixie/known-issues.txt
# (tests/trixie/in-chroot.sh compares).
#
# The chroot lives in its own mount and PID namespaces, so every mount and
# every process it started ends with it. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

packages=(build-essential pkg-config php8.4-dev php8.4-cli php8.4-igbinary php8.4-apcu php8.4-redis
  libhiredis-dev libzstd-dev libssl-dev libmemcached-dev check
  redis-server redis-tools memcached procps psmisc ca-certificates)

tarball=$(scripts/debian-rootfs trixie "$root/.build-docker")
work=$(mktemp -d /tmp/moodlecache-php84.XXXXXX)
trap 'rm -rf "$work"' EXIT
chroot_dir=$work/root
mkdir "$chroot_dir"
tar -C "$chroot_dir" -xf "$tarball"
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"

# The sources only: what git tracks or would track, never build outputs.
mkdir "$chroot_dir/src"
git ls-files -z --cached --others --exclude-standard -- \
    config.m4 composer.json Makefile.frag ext src tests scripts \
  | tar --null -T - -c | tar -x -C "$chroot_dir/src"


# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --pid --fork --propagation private -- bash -c '
  set -e
  r=$1; shift
  # The root a mount point of its own, as outside (tests remount it).
  mount --bind "$r" "$r"
  mount -t proc proc "$r/proc"
  mount --rbind /dev "$r/dev"
  mount -t sysfs sysfs "$r/sys"
  mount -t tmpfs tmpfs "$r/tmp"
  exec chroot "$r" /bin/bash /src/tests/trixie/in-chroot.sh "$@"
' bash "$chroot_dir" "${packages[@]}"
