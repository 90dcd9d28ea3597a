#!/usr/bin/env bash
# Faults under a real server: PostgreSQL restarted and Redis stopped while gunicorn runs.
#
#   benchmarks/faults.sh
#
# The portal must answer every request of each step with 200, without being restarted:
#   1. before anything happens (public page, logged-in page, health);
#   2. right after PostgreSQL was restarted (the dropped connections are replaced);
#   3. while Redis (cache, sessions' cache, broker) is stopped;
#   4. after Redis is back.
# Registering while Redis is away and the mail going out afterwards, and a worker killed in
# the middle of a mailing, are tested with pytest (tests/test_faults.py,
# tests/test_mailing_worker.py). Everything runs on 127.0.0.1 and is thrown away afterwards.
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "$0")/../scripts/lib.sh"
cd "$PROJECT_DIR"
BENCH_DIR="$PROJECT_DIR/benchmarks"

ensure_debian_packages redis-server postgresql
ensure_python_env dev

GUNICORN_PID=""
cleanup() {
  if [ -n "$GUNICORN_PID" ]; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  # The second Redis must be gone before its directory is removed.
  [ -n "${REDIS_PORT:-}" ] && redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  stop_services
}
trap cleanup EXIT INT TERM

make_services_dir
start_postgres
start_redis
REDIS_PORT=${REDIS_URL##*:}
REDIS_PORT=${REDIS_PORT%%/*}

unset EMAIL_HOST CELERY_BROKER_URL DJANGO_STATIC_ROOT DJANGO_MEDIA_ROOT PORTAL_BASE_URL
export DJANGO_DEBUG=false
export DJANGO_SECRET_KEY="faults-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_SECURE_SSL_REDIRECT=false DJANGO_SECURE_COOKIES=false
export PORTAL_BASE_URL=https://portal.kommunen-netzwerk.example
export PORTAL_STAFF_MFA_REQUIRED=false PORTAL_VAR_DIR="$SERVICES_DIR/var" DJANGO_LOG_LEVEL=ERROR

"$PY" manage.py migrate --noinput -v0
"$PY" manage.py collectstatic --noinput -v0
"$PY" manage.py load_demo_data --force >/dev/null

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
"$VENV/bin/gunicorn" portal.wsgi --workers 2 --bind "127.0.0.1:$PORT" \
  --error-logfile "$SERVICES_DIR/gunicorn.log" --log-level warning &
GUNICORN_PID=$!
"$PY" "$BENCH_DIR/probe.py" wait "$BASE/health/"
COOKIE=$("$PY" "$BENCH_DIR/probe.py" session engagement@muenster.example)

# Each page four times, so that both gunicorn workers answer after each fault.
all_pages_answer() {
  local step=$1 path
  for path in /veranstaltungen/ /mein-bereich/ /netzwerk/mitglieder/; do
    for _ in 1 2 3 4; do
      "$PY" "$BENCH_DIR/probe.py" check "$BASE$path" "$COOKIE" \
        || die "$step: $path failed"
    done
  done
  say "$step: every page answered 200"
}

all_pages_answer "1 before any fault"

say "Restarting PostgreSQL"
"${PG_STOP[@]/stop/restart}" >/dev/null
all_pages_answer "2 after PostgreSQL restarted"

say "Stopping Redis"
kill "$(cat "$REDIS_PIDFILE")"
while redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
all_pages_answer "3 while Redis is away"

say "Starting Redis again"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --dir "$SERVICES_DIR/redis" --pidfile "$REDIS_PIDFILE" --logfile "$SERVICES_DIR/redis/redis.log" >/dev/null
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
# The session lived only in Redis' copy and in PostgreSQL: it must still be valid.
all_pages_answer "4 after Redis is back"
say "The portal recovered from every fault without a restart"
