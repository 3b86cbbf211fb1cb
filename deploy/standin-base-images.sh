#!/usr/bin/env bash
# Local stand-ins for the .NET base images a Dockerfile names, for machines that cannot reach a container registry.
# They are test scaffolding, like moto for AWS: never push them, never release an image built on them.
#
#   sudo deploy/standin-base-images.sh [Dockerfile]      # default: the repository's Dockerfile
#
# For every FROM image podman does not have (`podman image exists`) and cannot pull, it assembles one: a minimal
# Debian of this machine's release (debootstrap, from the mirror apt uses here) with what the official images add
# (ICU, OpenSSL, tzdata, CA certificates, the user `app` with UID 1654 as APP_UID) and this machine's .NET: the whole
# SDK for .../dotnet/sdk, the host and shared runtimes for .../dotnet/aspnet and .../dotnet/runtime. Images podman
# already has are left alone, so a machine assembles them once. Certificates of this machine are not copied in: a
# build that needs them mounts the bundle for the build only (docs/operations.md).
#
# Assembling needs root, debootstrap and dotnet. DEBIAN_MIRROR and DEBIAN_SUITE override the mirror and the release.
# Exit codes: 0 done, 1 failed, 3 cannot be assembled on this machine (the message says what is missing).
set -euo pipefail

dockerfile=${1:-$(cd "$(dirname "$0")/.." && pwd)/Dockerfile}
label=io.orchestrator.standin

cannot() { echo "standin-base-images: $*" >&2; exit 3; }
fail() { echo "standin-base-images: $*" >&2; exit 1; }

[ -f "$dockerfile" ] || fail "no Dockerfile at $dockerfile"
command -v podman >/dev/null || cannot "podman is not installed (apt-get install podman runc)"

# Base images: every FROM's image that is not an earlier stage's name (FROM [--platform=…] image [AS name]).
mapfile -t images < <(awk '
  toupper($1) == "FROM" {
    i = 2; while ($i ~ /^--/) i++
    if (!($i in stage)) print $i
    if (toupper($(i + 1)) == "AS") stage[$(i + 2)] = 1
  }' "$dockerfile" | sort -u)
[ "${#images[@]}" -gt 0 ] || fail "$dockerfile names no base image"

# The real image where the registry answers (set STANDIN_NO_PULL=1 to skip asking); a stand-in only where it does not.
missing=()
for image in "${images[@]}"; do
  podman image exists "$image" && continue
  if [ -z "${STANDIN_NO_PULL:-}" ] && timeout 600 podman pull --quiet "$image" >/dev/null 2>&1; then
    echo "standin-base-images: pulled $image"
    continue
  fi
  missing+=("$image")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "standin-base-images: podman has ${images[*]}"
  exit 0
fi

[ "$(id -u)" = 0 ] || cannot "assembling ${missing[*]} needs root (debootstrap and chroot): run it with sudo"
command -v debootstrap >/dev/null || cannot "debootstrap is not installed (apt-get install debootstrap)"
command -v dotnet >/dev/null || cannot "dotnet is not on PATH: its installation is copied into the images"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")

# One assembly at a time per machine: test runs of several checkouts may ask together.
exec 9>"${TMPDIR:-/tmp}/orchestrator-standin-images.lock"
flock 9
missing=()
for image in "${images[@]}"; do
  podman image exists "$image" || missing+=("$image")
done
[ "${#missing[@]}" -gt 0 ] || exit 0

# What goes into each image: the whole .NET installation for the SDK, the host and shared runtimes otherwise.
dotnet_parts() {
  case "$1" in
    */dotnet/sdk:*) echo . ;;
    */dotnet/aspnet:*) echo dotnet host shared/Microsoft.NETCore.App shared/Microsoft.AspNetCore.App ;;
    */dotnet/runtime:*) echo dotnet host shared/Microsoft.NETCore.App ;;
    */dotnet/runtime-deps:*) echo ;;
    *) fail "no stand-in is known for $1: only the .NET images (sdk, aspnet, runtime, runtime-deps) are assembled here" ;;
  esac
}

# The tag's version (10.0 of sdk:10.0 or aspnet:10.0-noble) must be the version installed here.
runtime_version() {
  local tag=${1##*:} version
  version=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | grep -E "^${tag%%-*}\." | sort -V | tail -n 1 || true)
  [ -n "$version" ] || cannot "$1 needs .NET ${tag%%-*}, but this machine has $(ls "$dotnet_root/shared/Microsoft.NETCore.App" | tr '\n' ' ')"
  echo "$version"
}
for image in "${missing[@]}"; do dotnet_parts "$image" >/dev/null; runtime_version "$image" >/dev/null; done

# The Debian release and mirror apt uses here (deb822 .sources files or one-line sources.list entries).
suite=${DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-}")}
[ -n "$suite" ] || cannot "this machine's Debian release is unknown: set DEBIAN_SUITE (e.g. bookworm)"
mirror=${DEBIAN_MIRROR:-$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v suite="$suite" '
    /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) { print uri; exit } }')}
mirror=${mirror:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v suite="$suite" '
    $1 == "deb" { sub(/\[[^]]*\] */, ""); if ($3 == suite) { print $2; exit } }')}
[ -n "$mirror" ] || cannot "no apt source for $suite found in /etc/apt: set DEBIAN_MIRROR"
icu=$(dpkg-query -W -f '${Package}\n' 'libicu[0-9]*' 2>/dev/null | grep -E '^libicu[0-9]+$' | head -n 1 || true)
[ -n "$icu" ] || cannot "no libicuNN package is installed here to name the one the images need"

work=$(mktemp -d "${TMPDIR:-/tmp}/standin-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
echo "standin-base-images: assembling ${missing[*]} from Debian $suite ($mirror) and .NET in $dotnet_root"
debootstrap --variant=minbase --include="ca-certificates,$icu,libssl3,tzdata" "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
chroot "$work/root" groupadd --gid 1654 app
chroot "$work/root" useradd --uid 1654 --gid 1654 --create-home --no-log-init app
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*

for image in "${missing[@]}"; do
  version=$(runtime_version "$image")
  stage="$work/stage"
  cp -a "$work/root" "$stage"
  parts=$(dotnet_parts "$image")
  if [ -n "$parts" ]; then
    mkdir -p "$stage/usr/share/dotnet"
    (cd "$dotnet_root" && cp -a --parents $parts "$stage/usr/share/dotnet/")
    ln -s ../share/dotnet/dotnet "$stage/usr/bin/dotnet"
  fi
  # The variables the official images set (the runtime ones are inherited by the SDK image there).
  changes=(--change "LABEL $label=true" --change "ENV APP_UID=1654" --change "ENV ASPNETCORE_HTTP_PORTS=8080"
    --change "ENV DOTNET_RUNNING_IN_CONTAINER=true" --change "ENV DOTNET_VERSION=$version"
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
  case "$image" in
    */dotnet/sdk:*) changes+=(--change "ENV NUGET_XMLDOC_MODE=skip" --change "ENV DOTNET_NOLOGO=true"
      --change "ENV DOTNET_GENERATE_ASPNET_CERTIFICATE=false") ;;
  esac
  tar -C "$stage" -c . | podman import --quiet "${changes[@]}" --message "stand-in for $image (never push)" - "$image" >/dev/null
  rm -rf "$stage"
  echo "standin-base-images: $image is a local stand-in ($(podman image inspect --format '{{.Size}}' "$image" | numfmt --to=iec) bytes)"
done
