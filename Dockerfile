# syntax=docker/dockerfile:1
#
# Image of the Kommunen-Netzwerk portal. One image serves every role of docker-compose.yml:
# web (gunicorn, the default command), worker and beat (Celery) and the one-shot migrate job.
#
#   docker build -t kommunen-netzwerk-portal .
#
# Configuration comes only from environment variables at run time (see .env.example);
# nothing secret is baked into the image.

# --- Stage 1: front-end packages ----------------------------------------------------------------
# Only @kern-ux is needed at run time; axe-core is a development dependency (--omit=dev).
FROM node:22-bookworm-slim AS node-assets
WORKDIR /build
# .npmrc comes along so that npm behaves as on a developer's machine (no funding/audit calls).
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- Stage 2: Python packages -------------------------------------------------------------------
# A separate stage so that pip and its cache never reach the final image.
FROM python:3.11-slim-bookworm AS python-deps
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements/base.txt /tmp/requirements/base.txt
# --require-hashes: every package must match the hash committed in requirements/base.txt.
# --only-binary: all pinned packages ship wheels, so no compiler is needed (or allowed).
RUN /opt/venv/bin/pip install --require-hashes --only-binary=:all: --no-deps \
        -r /tmp/requirements/base.txt

# --- Stage 3: the PostgreSQL client ---------------------------------------------------------------
# backup_portal runs pg_dump and pg_restore, which must be of the server's major version (the
# db service runs postgres:16; Debian bookworm ships 15). They and their libpq come from the
# server's own image; the libraries they need besides are installed from Debian below.
FROM postgres:16-bookworm AS postgres-client
RUN mkdir -p /out/bin /out/lib \
    && cp /usr/lib/postgresql/16/bin/pg_dump /usr/lib/postgresql/16/bin/pg_restore /out/bin/ \
    && cp -L "$(ldconfig -p | awk '$1 == "libpq.so.5" { print $NF; exit }')" /out/lib/libpq.so.5

# --- Stage 4: the runtime image -----------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

# WeasyPrint (PDF receipts/declarations) needs Pango and HarfBuzz from the system; DejaVu gives
# it a font with full German coverage. libpq (copied below) needs Kerberos and LDAP, pg_dump
# the compression libraries.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        libgssapi-krb5-2 libldap-2.5-0 liblz4-1 libzstd1 zlib1g \
    && rm -rf /var/lib/apt/lists/*

# pg_dump and pg_restore 16 for backup_portal and restore_portal; the build fails here if a
# library they need is missing.
COPY --from=postgres-client /out/bin/ /usr/local/bin/
COPY --from=postgres-client /out/lib/ /usr/local/lib/postgresql-client/
RUN echo /usr/local/lib/postgresql-client > /etc/ld.so.conf.d/postgresql-client.conf \
    && ldconfig \
    && pg_dump --version && pg_restore --version

# The portal runs as an unprivileged user with a fixed id, so that file ownership on the
# named volumes (media, beat schedule) stays the same across image rebuilds.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin portal

ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=portal.settings

WORKDIR /app
COPY --from=python-deps /opt/venv /opt/venv
# The code stays owned by root: the portal user can read it but not change it.
COPY . /app
COPY --from=node-assets /build/node_modules/@kern-ux /app/node_modules/@kern-ux
# KERN's stylesheet and the portal's as one file (css/site.css), as scripts/lib.sh builds it.
RUN bash -c 'source scripts/lib.sh && build_stylesheet'

# Static files are collected at build time into the settings' default STATIC_ROOT
# (/app/var/static), where WhiteNoise serves them from. collectstatic needs settings with
# DEBUG off, and those demand a secret key and a public address: the throwaway values below
# exist only for this RUN step, are never used, and are not part of the image's environment.
# .mo files are committed, so no compilemessages (and no gettext) is needed here.
# Byte-code is compiled now because the portal user may not write next to the code later.
# Writable for the portal user: media (a volume in compose), the beat schedule (a volume),
# the erasure log and the backups (volumes), and var/mail, which the file e-mail backend uses
# when no EMAIL_HOST is set.
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY="build-time-only-collectstatic-key-not-used-at-run-time-0123456789" \
    PORTAL_BASE_URL="https://build-time-only.invalid" \
    python manage.py collectstatic --noinput --verbosity 1 \
    && python -m compileall -q /app \
    && mkdir -p /app/var/media /app/var/beat /app/var/mail /app/var/erasures /app/backups \
    && chown -R portal:portal /app/var/media /app/var/beat /app/var/mail /app/var/erasures \
        /app/backups

USER portal
EXPOSE 8000

# Two workers suit the small hosts the network runs on; override with GUNICORN_CMD_ARGS,
# e.g. GUNICORN_CMD_ARGS="--workers 4". Logs go to stdout for `docker compose logs`.
CMD ["gunicorn", "portal.wsgi", "--workers", "2", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "--error-logfile", "-"]
