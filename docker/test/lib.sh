# shellcheck shell=bash
# Helpers for tests/suites/60-docker-image.sh: a private Docker daemon and a
# Debian base image made with debootstrap (no registry is reachable in CI).
# See /work/shared/TESTBED.md, "Container images".

# Starts dockerd with its sockets and pid file under $1 and its images and
# build cache in $2 (kept between runs so rebuilds are fast); sets DOCKER_HOST.
# Needs root.
start_dockerd() {
  local dir=$1 data=$2
  mkdir -p "$dir/exec" "$data"
  dockerd --data-root "$data" --exec-root "$dir/exec" \
    -H "unix://$dir/docker.sock" --pidfile "$dir/dockerd.pid" \
    --iptables=false --bridge=none --storage-driver overlay2 \
    >"$dir/dockerd.log" 2>&1 &
  export DOCKER_HOST="unix://$dir/docker.sock"
  for _ in $(seq 1 60); do
    /usr/bin/docker version >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "dockerd did not start; its log:" >&2
  tail -20 "$dir/dockerd.log" >&2
  return 1
}

# Stops the dockerd started by start_dockerd $1 $2 (by its pid), removing
# its containers, dangling images and $1; $2 (images, build cache) stays.
stop_dockerd() {
  local dir=$1 data=$2 pid
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    /usr/bin/docker ps -aq 2>/dev/null | xargs -r /usr/bin/docker rm -f >/dev/null 2>&1 || true
    /usr/bin/docker image prune -f >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # Mounts left by a killed daemon would keep rm from working.
  grep -oE " ($dir|$data)/[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$dir"
}

# Imports a debootstrap'ed Debian $2 (bookworm, trixie) as image $1, from the
# tarball scripts/debian-rootfs keeps in $3 (made on first use). An image
# already there is kept, so that the build cache, keyed on the base's id,
# stays valid.
import_debian_base() {
  local image=$1 suite=$2 cache=$3 tarball
  /usr/bin/docker image inspect "$image" >/dev/null 2>&1 && return 0
  tarball=$(scripts/debian-rootfs "$suite" "$cache") || return 1
  /usr/bin/docker import - "$image" < "$tarball" >/dev/null
}
