# Shared by scripts/setup.d/*.sh (sourced, not run): install what the tests need as root
# or as an ordinary user.
#
# - Debian packages need root: as root apt-get runs as is; otherwise through sudo when
#   sudo is there, and else the script stops naming the packages to install.
# - Python packages go where the interpreter allows: into it (a virtualenv, pyenv, or a
#   root-owned Python that accepts it), else into the user's site (`pip --user`, with
#   --break-system-packages for a distribution's Python, PEP 668); scripts/test puts
#   the user's script folder on PATH.
# - npm packages go into folders of the project (tests/node, .tools), never -g.

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "setup: '$*' needs root and sudo is not installed; run it as root, then rerun" >&2
    return 1
  fi
}

# Installs Debian packages (only called with packages that are missing).
apt_install() {
  [ $# -gt 0 ] || return 0
  echo "setup: installing Debian packages: $*" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Installs Python packages with the given interpreter: into it when it allows that, else
# into the user's site.
pip_install() { # python, requirement...
  local py=$1
  shift
  [ $# -gt 0 ] || return 0
  echo "setup: installing Python packages: $*" >&2
  if [ -w "$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" ] \
    && "$py" -m pip install --quiet --disable-pip-version-check "$@" 2>/dev/null; then
    return 0
  fi
  "$py" -m pip install --quiet --disable-pip-version-check --user "$@" 2>/dev/null \
    || "$py" -m pip install --quiet --disable-pip-version-check --user --break-system-packages "$@"
}
