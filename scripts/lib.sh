# Shared by scripts/dev, scripts/test and benchmarks/run: set up the project's own
# environment and throwaway services, so that nothing installed by hand is needed.
# shellcheck shell=bash

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$PROJECT_DIR/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'Error: %s\n' "$*" >&2; exit 1; }

# Debian packages the portal needs on the machine (root installs them; others are told).
ensure_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "please install these Debian packages first: sudo apt-get install -y ${missing[*]}"
  fi
  say "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The virtual environment, from the hash-locked requirements; reinstalled when they change.
ensure_python_env() {
  local lock="$PROJECT_DIR/requirements/$1.txt" stamp="$VENV/.installed-$1"
  command -v python3 >/dev/null || die "python3 (3.11 or newer) is required"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or newer is required (found $(python3 --version))"
  if [ ! -x "$PY" ]; then
    say "Creating the virtual environment in .venv"
    if ! python3 -m venv "$VENV" 2>/dev/null; then
      # Debian and Ubuntu ship venv support in a package of its own.
      rm -rf "$VENV"
      ensure_debian_packages "python3-venv"
      python3 -m venv "$VENV"
    fi
  fi
  if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
    say "Installing Python packages from requirements/$1.txt"
    "$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip -q
    "$PY" -m pip install -q --disable-pip-version-check uv
    "$VENV/bin/uv" pip install -q --python "$PY" --require-hashes -r "$lock"
    touch "$stamp"
  fi
}

# KERN-UX (and axe-core for the tests) from package-lock.json.
ensure_node_modules() {
  command -v npm >/dev/null || die "Node.js with npm is required (Debian: apt-get install -y nodejs npm)"
  local stamp="$PROJECT_DIR/node_modules/.installed"
  if [ ! -f "$stamp" ] || [ "$PROJECT_DIR/package-lock.json" -nt "$stamp" ]; then
    say "Installing npm packages"
    (cd "$PROJECT_DIR" && npm ci --no-audit --no-fund --loglevel=error "$@")
    touch "$stamp"
  fi
}

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A throwaway PostgreSQL on loopback in $SERVICES_DIR; sets DATABASE_URL.
start_postgres() {
  local pgbin port run_as=()
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$pgbin" ] || die "PostgreSQL server binaries are missing (apt-get install -y postgresql)"
  port=$(free_port)
  mkdir -p "$SERVICES_DIR/pg"
  if [ "$(id -u)" -eq 0 ]; then
    # initdb and pg_ctl refuse to run as root.
    chown postgres: "$SERVICES_DIR/pg"
    run_as=(runuser -u postgres --)
  fi
  "${run_as[@]}" "$pgbin/initdb" -D "$SERVICES_DIR/pg/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 --no-sync >/dev/null
  "${run_as[@]}" "$pgbin/pg_ctl" -D "$SERVICES_DIR/pg/data" -l "$SERVICES_DIR/pg/server.log" \
    -o "-p $port -k $SERVICES_DIR/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    -w start >/dev/null
  PG_STOP=("${run_as[@]}" "$pgbin/pg_ctl" -D "$SERVICES_DIR/pg/data" -m fast stop)
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
  say "PostgreSQL is running on 127.0.0.1:$port"
}

# A throwaway Redis on loopback in $SERVICES_DIR; sets REDIS_URL (the broker, database 0) and
# REDIS_CACHE_URL (the cache, database 8; production gives the cache a Redis of its own).
start_redis() {
  local port
  command -v redis-server >/dev/null || die "redis-server is missing (apt-get install -y redis-server)"
  port=$(free_port)
  mkdir -p "$SERVICES_DIR/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$SERVICES_DIR/redis" --pidfile "$SERVICES_DIR/redis/redis.pid" \
    --logfile "$SERVICES_DIR/redis/redis.log" >/dev/null
  export REDIS_URL="redis://127.0.0.1:$port/0"
  export REDIS_CACHE_URL="redis://127.0.0.1:$port/8"
  REDIS_PIDFILE="$SERVICES_DIR/redis/redis.pid"
  say "Redis is running on 127.0.0.1:$port"
}

stop_services() {
  if [ -n "${PG_STOP+x}" ]; then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
  if [ -n "${REDIS_PIDFILE:-}" ] && [ -f "$REDIS_PIDFILE" ]; then
    local pid tries=0
    pid=$(cat "$REDIS_PIDFILE")
    kill "$pid" 2>/dev/null || true
    # Redis may still be writing into its directory while it shuts down.
    while kill -0 "$pid" 2>/dev/null && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
  fi
  if [ -n "${SERVICES_DIR:-}" ]; then
    rm -rf "$SERVICES_DIR" 2>/dev/null || rm -rf "$SERVICES_DIR" || true
  fi
}

# The one stylesheet every page loads (base.html): KERN's, then the portal's, in one file, so
# that a single request blocks the first paint. Built from node_modules and static/css/portal.css
# on every run (build/ is not committed); collectstatic gives it its hashed name and WhiteNoise
# serves it compressed. The Dockerfile calls this too.
build_stylesheet() {
  mkdir -p "$PROJECT_DIR/build/static/css"
  cat "$PROJECT_DIR/node_modules/@kern-ux/native/dist/kern.min.css" \
    "$PROJECT_DIR/static/css/portal.css" >"$PROJECT_DIR/build/static/css/site.css"
}

make_services_dir() {
  SERVICES_DIR=$(mktemp -d /tmp/portal-services.XXXXXX)
  chmod 755 "$SERVICES_DIR"
}
