#!/usr/bin/env bash
# Builds the local Python base image, localhost/flightdeck/python-base:bookworm.
#
# Why it exists: nothing can be pulled from Docker Hub here, and `docker build` containers
# may have no network. So the base is a Debian bookworm root filesystem made with debootstrap,
# with Python 3 and the sample app's runtime dependencies already installed in /opt/venv,
# turned into an image with `docker import`.
#
# The name starts with "localhost/", which Docker reads as a registry host, never as a Docker Hub
# namespace: when the image is missing, a build fails instead of pulling whatever someone else
# published as flightdeck/python-base.
#
# The image is also tagged bookworm-<hash>, where <hash> covers requirements.txt and this
# recipe's version: a changed pin gets a new tag, so the next run rebuilds. Two tarballs are
# cached under $FLIGHTDECK_CACHE/base-image/: the Debian system (the slow, network-bound
# part, reused when only a pin changes) and the finished root filesystem (reused when the
# image is gone, e.g. on a fresh Docker engine, which then only costs a `docker import`).
#
# Usage: scripts/base-image.sh [--requirements FILE] [--force]
#   --requirements FILE  pip requirements to preinstall (default: examples/flask-app/requirements.txt)
#   --force              rebuild everything, cached tarballs included, e.g. for security updates
# Environment:
#   FLIGHTDECK_CACHE        cache root (default: $HOME/.cache/flightdeck)
#   BASE_IMAGE_REPO         image repository (default: localhost/flightdeck/python-base)
#   DEBIAN_MIRROR           Debian archive (default: http://deb.debian.org/debian)
#   DEBIAN_SECURITY_MIRROR  Debian security archive (default: http://deb.debian.org/debian-security)
#   PIP_INDEX_URL           passed to pip in the chroot, for machines behind a PyPI mirror
set -euo pipefail

# Bump when the way the root filesystem is made changes, so cached tarballs and images are rebuilt.
readonly RECIPE_VERSION=1
readonly SUITE=bookworm
readonly DEBIAN_PACKAGES=python3,python3-venv
readonly VENV=/opt/venv
readonly APP_UID=10001

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements="$repo_root/examples/flask-app/requirements.txt"
force=false
image_repo=${BASE_IMAGE_REPO:-localhost/flightdeck/python-base}
cache_dir="${FLIGHTDECK_CACHE:-$HOME/.cache/flightdeck}/base-image"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
started_at=$(date +%s)
work=""

log() { printf 'base-image: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
elapsed() { echo "$(($(date +%s) - started_at))s"; }

while (($#)); do
  case $1 in
    --requirements)
      [[ $# -ge 2 ]] || die "--requirements needs a file path"
      requirements=$2
      shift 2
      ;;
    --force)
      force=true
      shift
      ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

[[ -f $requirements ]] || die "requirements file '$requirements' not found; pass --requirements FILE"
command -v docker >/dev/null || die "docker CLI not found; install docker.io"
docker info >/dev/null 2>&1 || die "cannot reach the Docker engine; start dockerd or set DOCKER_HOST"

system_recipe="recipe=$RECIPE_VERSION suite=$SUITE packages=$DEBIAN_PACKAGES"
system_hash=$(printf '%s\n' "$system_recipe" | sha256sum | cut -c1-12)
recipe_hash=$(
  {
    printf '%s venv=%s uid=%s\n' "$system_recipe" "$VENV" "$APP_UID"
    cat "$requirements"
  } | sha256sum | cut -c1-64
)
short_hash=${recipe_hash:0:12}
hashed_tag="$image_repo:$SUITE-$short_hash"
moving_tag="$image_repo:$SUITE"
system_tarball="$cache_dir/system-$SUITE-$system_hash.tar"
tarball="$cache_dir/rootfs-$SUITE-$short_hash.tar"

point_moving_tag() {
  docker tag "$hashed_tag" "$moving_tag"
  local size_bytes
  size_bytes=$(docker image inspect --format '{{.Size}}' "$hashed_tag")
  log "$moving_tag -> $hashed_tag ($((size_bytes / 1000 / 1000)) MB)"
}

if [[ $force == false ]] && docker image inspect "$hashed_tag" >/dev/null 2>&1; then
  log "$hashed_tag is already present: nothing to do"
  point_moving_tag
  log "done in $(elapsed) (no-op)"
  exit 0
fi

mkdir -p "$cache_dir"
# Two runs at once (a developer and an e2e setup) would debootstrap twice into the same cache.
exec 9>"$cache_dir/.lock"
flock 9

# A clean environment: the host's PIP_* settings (local wheel dirs, CA paths) mean nothing
# inside the chroot. The index URL alone is passed on, for machines behind a PyPI mirror.
chroot_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
  DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1)
if [[ -n ${PIP_INDEX_URL:-} ]]; then chroot_env+=("PIP_INDEX_URL=$PIP_INDEX_URL"); fi

# /proc and name resolution, for apt and pip in the chroot. The EXIT trap unmounts on failure.
enter_rootfs() {
  cp /etc/resolv.conf "$1/etc/resolv.conf"
  mount -t proc proc "$1/proc"
}
leave_rootfs() {
  umount "$1/proc"
  : >"$1/etc/resolv.conf" # Docker writes its own at run time.
}

# Whatever happens, nothing stays mounted and no half-made tree is left behind. debootstrap
# may bind-mount host devices (/dev/pts, /dev/shm) into its target, so every mount under the
# work directory is undone, deepest first, and rm never crosses into another file system.
remove_work_dir() {
  local mount_point
  while read -r mount_point; do
    umount -l "$mount_point" 2>/dev/null || true
  done < <(awk -v prefix="$work/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$work"
}

# debootstrap is the one tool here a fresh machine lacks (`make demo` promises to install what is missing).
# The apt lock is the one every Flightdeck script shares, and the lists are refreshed only when the install
# fails without them.
ensure_debootstrap() {
  command -v debootstrap >/dev/null && return 0
  command -v apt-get >/dev/null || die "debootstrap not found, and no apt-get to install it with; install debootstrap"
  log "installing Debian's debootstrap"
  if ! flock /tmp/apt.lock env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 debootstrap >/dev/null 2>&1; then
    flock /tmp/apt.lock apt-get update -o DPkg::Lock::Timeout=600 >/dev/null ||
      die "apt-get update failed; install debootstrap by hand and rerun"
    flock /tmp/apt.lock env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 debootstrap >/dev/null ||
      die "apt-get install debootstrap failed; install it by hand and rerun"
  fi
  command -v debootstrap >/dev/null || die "apt-get installed debootstrap, but it is not on PATH ($PATH)"
}

run_in_rootfs() {
  local rootfs=$1 step=$2 script=$3
  chroot "$rootfs" "${chroot_env[@]}" sh -ec "$script" >"$work/$step.log" 2>&1 || {
    tail -n 20 "$work/$step.log" >&2
    die "$step in the chroot failed (log above)"
  }
}

strip_rootfs() {
  local rootfs=$1
  [[ -d $rootfs/var/lib/dpkg ]] || die "refusing to strip '$rootfs': not a Debian root filesystem"
  rm -rf --one-file-system "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
    "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/lintian/* "$rootfs"/tmp/* "$rootfs"/root/.cache
  find "$rootfs/var/log" -type f -delete
}

pack_rootfs() {
  # Device nodes and mount points are provided by the container runtime.
  tar --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -C "$1" -cf "$2.partial" .
  mv "$2.partial" "$2"
  log "cached $2 ($(du -m "$2" | cut -f1) MB)"
}

# Stage 1, the slow part (minutes, network): Debian with Python and its security updates.
build_system_tarball() {
  local rootfs="$work/system"
  log "stage 1: debootstrap $SUITE (minbase + $DEBIAN_PACKAGES) from $mirror"
  if ! debootstrap --variant=minbase --include="$DEBIAN_PACKAGES" \
    "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    die "debootstrap failed; is $mirror reachable? (set DEBIAN_MIRROR to another mirror)"
  fi
  printf 'deb %s %s main\n' "$mirror" "$SUITE" "$mirror" "$SUITE-updates" \
    "$security_mirror" "$SUITE-security" >"$rootfs/etc/apt/sources.list"
  # Keep docs and translations out of any later apt-get install on this image too.
  printf 'path-exclude /usr/share/%s/*\n' doc man info locale lintian \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/01-flightdeck-slim"

  log "stage 1: applying $SUITE-updates and $SUITE-security"
  enter_rootfs "$rootfs"
  run_in_rootfs "$rootfs" apt-upgrade 'apt-get -qq update && apt-get -qq -y upgrade && apt-get -qq clean'
  leave_rootfs "$rootfs"
  strip_rootfs "$rootfs"
  pack_rootfs "$rootfs" "$system_tarball"
  rm -rf --one-file-system "$rootfs"
}

# Stage 2 (seconds): the app's pinned requirements in /opt/venv, and the non-root user.
build_rootfs_tarball() {
  local rootfs="$work/rootfs"
  mkdir "$rootfs"
  tar -C "$rootfs" -xf "$system_tarball"
  log "stage 2: installing $(grep -cvE '^\s*(#|$)' "$requirements") pinned requirements into $VENV"
  mkdir -p "$rootfs/opt/flightdeck"
  # The app's Dockerfile compares its requirements.txt with this copy, to fail fast on a stale base.
  cp "$requirements" "$rootfs/opt/flightdeck/requirements.txt"

  # Debian's pip trusts the system CA store, not certifi, and a host behind a TLS-inspecting
  # proxy has that proxy's CA only in its own store: lend it to pip for the install alone.
  local host_ca=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt} pip_cert_option=""
  if [[ -r $host_ca ]]; then
    cp "$host_ca" "$rootfs/tmp/host-ca.crt"
    pip_cert_option="--cert /tmp/host-ca.crt"
  fi
  enter_rootfs "$rootfs"
  run_in_rootfs "$rootfs" pip-install "
    python3 -m venv $VENV
    $VENV/bin/pip install --quiet $pip_cert_option --requirement /opt/flightdeck/requirements.txt
    # pip and setuptools only install things; the image runs the app, and builds have no network.
    $VENV/bin/pip uninstall --quiet --yes pip setuptools
    groupadd --system --gid $APP_UID app
    useradd --system --uid $APP_UID --gid app --home-dir /nonexistent --shell /usr/sbin/nologin app
  "
  leave_rootfs "$rootfs"
  strip_rootfs "$rootfs" # also removes the lent CA from /tmp
  pack_rootfs "$rootfs" "$tarball"
}

if [[ $force == true || ! -f $tarball ]]; then
  [[ $EUID -eq 0 ]] || die "building the root filesystem needs root (debootstrap, chroot); run it as root"
  ensure_debootstrap
  work=$(mktemp -d "$cache_dir/work.XXXXXX")
  trap remove_work_dir EXIT
  if [[ $force == true || ! -f $system_tarball ]]; then
    build_system_tarball
    how="cold: debootstrap, security updates, requirements"
  else
    log "stage 1: using cached $system_tarball"
    how="requirements changed: cached Debian system, pip install"
  fi
  build_rootfs_tarball
else
  log "using cached root filesystem $tarball"
  how="warm: cached root filesystem, docker import only"
fi

log "docker import -> $hashed_tag"
docker import \
  --change "ENV PATH=$VENV/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV VIRTUAL_ENV=$VENV" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'ENV PYTHONUNBUFFERED=1' \
  --change "LABEL io.flightdeck.requirements-sha256=$recipe_hash" \
  --change "LABEL org.opencontainers.image.description=\"Debian $SUITE with Python 3 and the sample app's dependencies\"" \
  --change 'CMD ["python3"]' \
  "$tarball" "$hashed_tag" >/dev/null
point_moving_tag

# Keep the three newest root filesystems: enough to switch branches back and forth, bounded.
find "$cache_dir" -maxdepth 1 -name 'rootfs-*.tar' -printf '%T@ %p\n' | sort -rn | tail -n +4 |
  cut -d' ' -f2- | xargs -r rm -f

# Cleaned before the closing line, so the time it reports is the whole cost.
if [[ -n $work ]]; then
  remove_work_dir
  trap - EXIT
fi
log "done in $(elapsed) ($how)"
