#!/usr/bin/env bash
# Installs the mistral-gate release binary for this runner and puts it on PATH, for
# runners that cannot run the container action (macOS, Windows, Linux without Docker).
# Run by setup/action.yml; also usable on its own (see docs/install.md).
#
# Environment:
#   MG_VERSION        release tag, e.g. v0.1.0 (required)
#   MG_DOWNLOAD_BASE  where releases are, default https://github.com/mistral-gate/mistral-gate/releases/download
#                     (https, or http on a loopback address only)
#   MG_INSTALL_DIR    where the binary goes; default under RUNNER_TOOL_CACHE, else ~/.local/share
#   MG_CHECKSUMS      a sha256sum-format file of known archive checksums; default
#                     checksums.sha256 beside this script (the release commit writes it)
#   RUNNER_OS, RUNNER_ARCH  as GitHub sets them; else uname decides
#   GITHUB_PATH, GITHUB_OUTPUT  when set, the install dir is added to PATH for later steps
#                     and the outputs `path` and `version` are written
#
# The archive is verified before anything is unpacked: its SHA-256 must equal the
# release's .sha256 file and, when this action's checksums file lists the archive (as it
# does in a release commit), that pinned value too. On any mismatch nothing is installed
# and the exit status is 1.
set -euo pipefail

say() { echo "mistral-gate setup: $*" >&2; }
die() { say "$*"; exit 1; }

version=${MG_VERSION:-}
base=${MG_DOWNLOAD_BASE:-https://github.com/mistral-gate/mistral-gate/releases/download}
here=$(cd "$(dirname "$0")" && pwd)
pinned=${MG_CHECKSUMS:-$here/checksums.sha256}

[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-.+][0-9A-Za-z.-]+)?$ ]] \
  || die "version must be a release tag such as v0.1.0 (got '${version}')"
base=${base%/}
case "$base" in
  https://*) ;;
  http://127.0.0.1[:/]* | http://localhost[:/]* | http://\[::1\][:/]*) ;;
  *) die "download URL must be https (or http on a loopback address): '$base'" ;;
esac

os=${RUNNER_OS:-$(uname -s)}
arch=${RUNNER_ARCH:-$(uname -m)}
case "$os" in
  Linux | linux) os=linux ;;
  macOS | Darwin | darwin) os=macos ;;
  Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
  *) die "no release binary for the operating system '$os'" ;;
esac
case "$arch" in
  X64 | x86_64 | amd64 | AMD64) arch=x86_64 ;;
  ARM64 | arm64 | aarch64) arch=aarch64 ;;
  *) die "no release binary for the architecture '$arch'" ;;
esac
exe=mistral-gate ext=tar.gz
case "$os-$arch" in
  linux-x86_64) target=x86_64-unknown-linux-musl ;;
  linux-aarch64) target=aarch64-unknown-linux-musl ;;
  macos-x86_64) target=x86_64-apple-darwin ;;
  macos-aarch64) target=aarch64-apple-darwin ;;
  windows-x86_64) target=x86_64-pc-windows-msvc exe=mistral-gate.exe ext=zip ;;
  *) die "no release binary for $os on $arch" ;;
esac

archive="mistral-gate-$version-$target.$ext"
dest=${MG_INSTALL_DIR:-${RUNNER_TOOL_CACHE:-${XDG_DATA_HOME:-$HOME/.local/share}}/mistral-gate/$version/$target}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # url, file
  curl --fail --silent --show-error --location --retry 3 --connect-timeout 10 --max-time 300 \
    --output "$2" "$1" || die "cannot download $1"
}
say "downloading $archive ($version for $os/$arch)"
fetch "$base/$version/$archive" "$work/$archive"
fetch "$base/$version/$archive.sha256" "$work/$archive.sha256"

# A checksum line is `<64 hex>  <name>` (sha256sum) or `<64 hex> *<name>` (binary mode).
expected_in() { # file: prints the checksum it gives for $archive
  awk -v name="$archive" '{ n = $2; sub(/^\*/, "", n) } n == name && $1 ~ /^[0-9a-fA-F]+$/ && length($1) == 64 { print tolower($1); exit }' "$1"
}
published=$(expected_in "$work/$archive.sha256")
[ -n "$published" ] || die "$archive.sha256 does not give a SHA-256 for $archive; refusing to install"
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$work/$archive" | awk '{ print tolower($1) }')
else
  actual=$(shasum -a 256 "$work/$archive" | awk '{ print tolower($1) }')
fi
[ "$actual" = "$published" ] \
  || die "checksum mismatch for $archive: the release's .sha256 says $published, the download is $actual; refusing to install"
if [ -f "$pinned" ]; then
  known=$(expected_in "$pinned")
  if [ -n "$known" ]; then
    [ "$actual" = "$known" ] \
      || die "checksum mismatch for $archive: this action pins $known, the download is $actual; refusing to install"
    say "checksum matches the one pinned in $(basename "$pinned")"
  fi
fi
say "checksum verified: sha256 $actual"

mkdir -p "$work/unpacked"
if [ "$ext" = zip ]; then
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$work/$archive" -d "$work/unpacked"
  elif command -v 7z >/dev/null 2>&1; then
    7z x -bd -y -o"$work/unpacked" "$work/$archive" >/dev/null
  else
    pwsh -NoProfile -Command "Expand-Archive -LiteralPath '$work/$archive' -DestinationPath '$work/unpacked'"
  fi
else
  tar -xzf "$work/$archive" -C "$work/unpacked"
fi
[ -f "$work/unpacked/$exe" ] || die "$archive holds no $exe"

mkdir -p "$dest"
cp "$work/unpacked/$exe" "$dest/$exe.tmp"
chmod 755 "$dest/$exe.tmp"
mv -f "$dest/$exe.tmp" "$dest/$exe"
"$dest/$exe" --version >&2 || die "the installed $exe does not run"

if [ -n "${GITHUB_PATH:-}" ]; then
  echo "$dest" >> "$GITHUB_PATH"
else
  say "installed $dest/$exe; add $dest to PATH"
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "path=$dest/$exe"; echo "version=$version"; } >> "$GITHUB_OUTPUT"
fi
