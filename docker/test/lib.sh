# shellcheck shell=bash
# Helpers for tests/suites/60-docker-image.sh: a private Docker daemon and a
# Debian base image made with debootstrap (no registry is reachable in CI).
# See /work/shared/TESTBED.md, "Container images".

# Starts dockerd with its state under $1; sets DOCKER_HOST. Needs root.
start_dockerd() {
  local dir=$1
  mkdir -p "$dir/data" "$dir/exec"
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" \
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

# Stops the dockerd started by start_dockerd $1 (by its pid) and removes $1.
stop_dockerd() {
  local dir=$1 pid
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    /usr/bin/docker ps -q 2>/dev/null | xargs -r /usr/bin/docker rm -f >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # Overlay mounts left by a killed daemon would keep rm from working.
  grep -o " $dir/[^ ]*" /proc/mounts 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$dir"
}

# Imports a debootstrap'ed Debian $2 (bookworm) as image $1, from the tarball
# cached in $3 (made on first use, ~1 min; security updates come from the
# host's apt sources, copied in).
import_debian_base() {
  local image=$1 suite=$2 cache=$3
  local tarball=$cache/debian-$suite-minbase.tar
  if [ ! -s "$tarball" ]; then
    mkdir -p "$cache"
    local rootfs
    rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
    debootstrap --variant=minbase "$suite" "$rootfs" http://deb.debian.org/debian \
      >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$rootfs"; return 1; }
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
      rm -f "$rootfs/etc/apt/sources.list"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  /usr/bin/docker import - "$image" < "$tarball" >/dev/null
}
