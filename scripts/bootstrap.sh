# Sourced by scripts/jobyard and scripts/test: makes .venv and installs the
# project into it, doing only what is missing so that a second run is instant.
#
#   bootstrap_venv [EXTRA]     EXTRA is a pyproject extra such as "test"
#   install_debian_packages PACKAGE...

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"

say() { printf 'jobyard: %s\n' "$*" >&2; }

# Installs what is missing when root; otherwise names the exact command and stops.
install_debian_packages() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "missing Debian packages: ${missing[*]}"
    say "install them with:  sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The first interpreter that is Python >= 3.11 (Ubuntu 22.04's python3 is 3.10).
find_python() {
  local candidate
  for candidate in python3 python3.13 python3.12 python3.11; do
    if command -v "$candidate" >/dev/null \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

create_venv() {
  local python
  if ! python="$(find_python)"; then
    install_debian_packages python3 python3-venv
    python="$(find_python)" || {
      say "jobyard needs Python >= 3.11; install it with:  sudo apt-get install -y python3.11 python3.11-venv"
      exit 1
    }
  fi
  # Debian splits venv's pip bootstrap (ensurepip) into pythonX.Y-venv.
  if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    install_debian_packages "$("$python" -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"
  fi
  say "creating $VENV"
  "$python" -m venv --clear "$VENV"
}

bootstrap_venv() {
  local extra="${1:-}" stamp_dir="$VENV/.jobyard-installed" digest
  if ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    create_venv
  fi
  digest="$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -d' ' -f1)"
  # An install with the test extra also satisfies a plain one.
  if [ "$(cat "$stamp_dir/${extra:-base}" 2>/dev/null)" = "$digest" ] \
    || { [ -z "$extra" ] && [ "$(cat "$stamp_dir/test" 2>/dev/null)" = "$digest" ]; }; then
    return 0
  fi
  say "installing jobyard${extra:+[$extra]} into $VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --editable "$REPO_ROOT${extra:+[$extra]}"
  mkdir -p "$stamp_dir"
  echo "$digest" >"$stamp_dir/${extra:-base}"
}
