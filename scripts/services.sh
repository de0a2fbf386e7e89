#!/usr/bin/env bash
# scripts/services.sh — make ParkPilot's local backing services available.
#
# Idempotent: installs missing Debian packages, starts whatever does not
# already answer, waits (bounded) for it, and prints one line per service.
# When everything already answers it is a fast no-op (no apt, no restarts).
#
#   postgresql  127.0.0.1:5432  role/db parkpilot (password parkpilot, CREATEDB)
#               postgres://parkpilot:parkpilot@127.0.0.1:5432/parkpilot
#   mosquitto   127.0.0.1:1883  anonymous MQTT (+ mosquitto-clients)
#   redis       127.0.0.1:6379
#   chromium    /usr/bin/chromium and CJK fonts (install only, nothing to start)
#
# Environment:
#   SERVICES="postgresql redis"   space-separated subset (default: all four)
#   SERVICES_TIMEOUT=30           seconds to wait for each service to answer
#
# Works without systemd (containers): PostgreSQL is started with
# pg_ctlcluster, mosquitto/redis as daemons under their own system users.
set -euo pipefail

SERVICES="${SERVICES:-postgresql mosquitto redis chromium}"
TIMEOUT="${SERVICES_TIMEOUT:-30}"

PG_HOST=127.0.0.1 PG_PORT=5432
PG_USER=parkpilot PG_PASSWORD=parkpilot PG_DB=parkpilot
PG_URL="postgres://${PG_USER}:${PG_PASSWORD}@${PG_HOST}:${PG_PORT}/${PG_DB}"
PG_MIN_VERSION=15
MQTT_HOST=127.0.0.1 MQTT_PORT=1883
REDIS_HOST=127.0.0.1 REDIS_PORT=6379
MOSQUITTO_CONF=/etc/mosquitto/mosquitto.conf
MOSQUITTO_DROPIN=/etc/mosquitto/conf.d/parkpilot.conf

log() { echo "services.sh: $*" >&2; }
die() { echo "services.sh: ERROR: $*" >&2; exit 1; }

# --- privilege helpers -------------------------------------------------------
if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
    as_root() { "$@"; }
    as_user() { local u=$1; shift; (cd / && runuser -u "$u" -- "$@"); }
elif command -v sudo >/dev/null 2>&1; then
    as_root() { sudo "$@"; }
    as_user() { local u=$1; shift; (cd / && sudo -u "$u" -- "$@"); }
else
    as_root() { die "need root for: $* (not root and sudo is not available)"; }
    as_user() { die "need root to run as $1: ${*:2} (not root and sudo is not available)"; }
fi

# --- selection ---------------------------------------------------------------
want_pg=0 want_mqtt=0 want_redis=0 want_chromium=0 want_pdf=0
for s in $SERVICES; do
    case "$s" in
        postgresql|postgres|pg) want_pg=1 ;;
        mosquitto|mqtt)         want_mqtt=1 ;;
        redis|redis-server)     want_redis=1 ;;
        chromium)               want_chromium=1; want_pdf=1 ;;
        pdf)                    want_pdf=1 ;;
        *) die "unknown service '$s' in SERVICES (known: postgresql mosquitto redis chromium pdf)" ;;
    esac
done

# --- probes --------------------------------------------------------------------
tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" >/dev/null 2>&1; }
pg_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
    else
        tcp_open "$PG_HOST" "$PG_PORT"
    fi
}
pg_app_ok() {  # the application URL works with password auth over TCP
    PGCONNECT_TIMEOUT=3 psql "$PG_URL" -XtAqc 'select 1' 2>/dev/null | grep -qx 1
}
mqtt_up() { tcp_open "$MQTT_HOST" "$MQTT_PORT"; }
redis_up() {
    if command -v redis-cli >/dev/null 2>&1; then
        [[ "$(timeout 3 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
    else
        tcp_open "$REDIS_HOST" "$REDIS_PORT"
    fi
}
chromium_ok() { [[ -x /usr/bin/chromium ]]; }

wait_for() {  # wait_for NAME CHECK_FN
    local name=$1 check=$2 i
    for ((i = 0; i < TIMEOUT * 2; i++)); do
        "$check" && return 0
        sleep 0.5
    done
    return 1
}

# --- packages -------------------------------------------------------------------
pkg_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}
missing=()
need_pkg() { pkg_installed "$1" || missing+=("$1"); }
((want_pg))       && { need_pkg postgresql; need_pkg postgresql-client; }
((want_mqtt))     && { need_pkg mosquitto; need_pkg mosquitto-clients; }
((want_redis))    && { need_pkg redis-server; need_pkg redis-tools; }
((want_chromium)) && need_pkg chromium
# PDF reports (WeasyPrint renders with Pango) and CJK fonts: without the fonts Chinese renders
# as empty boxes in screenshots and PDFs. libmagic: upload checks read what a file really is.
((want_pdf)) && { need_pkg libpango-1.0-0; need_pkg libpangoft2-1.0-0; need_pkg fonts-noto-cjk; need_pkg libmagic1; }

if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    APT=(env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300)
    as_root "${APT[@]}" update >/dev/null || die "apt-get update failed"
    as_root "${APT[@]}" install --no-install-recommends "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
fi

# --- postgresql ------------------------------------------------------------------
pg_cluster() {  # prints "VERSION NAME" of the newest cluster configured on PG_PORT
    pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2 }' | sort -V | tail -n1
}

pg_start() {
    command -v pg_lsclusters >/dev/null 2>&1 || die "postgresql: pg_lsclusters missing (postgresql-common not installed?)"
    local cluster ver name
    cluster=$(pg_cluster)
    if [[ -z "$cluster" ]]; then
        ver=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1)
        [[ -n "$ver" ]] || die "postgresql: no server binaries under /usr/lib/postgresql"
        log "postgresql: no cluster on port $PG_PORT, creating $ver/main"
        as_root pg_createcluster --port "$PG_PORT" "$ver" main >/dev/null \
            || die "postgresql: pg_createcluster $ver main failed"
        cluster="$ver main"
    fi
    read -r ver name <<<"$cluster"
    [[ "${ver%%.*}" -ge $PG_MIN_VERSION ]] || die "postgresql: cluster $ver/$name is older than $PG_MIN_VERSION"
    log "postgresql: starting cluster $ver/$name (pg_ctlcluster, no systemd needed)"
    # pg_ctlcluster drops to the cluster owner itself; it also recreates
    # /var/run/postgresql when that tmpfs dir is missing.
    as_root pg_ctlcluster "$ver" "$name" start \
        || die "postgresql: pg_ctlcluster $ver $name start failed (see /var/log/postgresql/postgresql-$ver-$name.log)"
}

pg_ensure_role_db() {
    pg_app_ok && return 0
    log "postgresql: ensuring role '$PG_USER' and database '$PG_DB'"
    local psql_su=(as_user postgres psql -XqAt -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres)
    "${psql_su[@]}" <<SQL || die "postgresql: could not create role/database (needs local peer access as 'postgres')"
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PG_USER}') THEN
    CREATE ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  ELSE
    ALTER ROLE ${PG_USER} LOGIN CREATEDB PASSWORD '${PG_PASSWORD}';
  END IF;
END
\$\$;
SQL
    if [[ "$("${psql_su[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '${PG_DB}'")" != 1 ]]; then
        "${psql_su[@]}" -c "CREATE DATABASE ${PG_DB} OWNER ${PG_USER}" || die "postgresql: CREATE DATABASE failed"
    else
        "${psql_su[@]}" -c "ALTER DATABASE ${PG_DB} OWNER TO ${PG_USER}" || die "postgresql: ALTER DATABASE failed"
    fi
    pg_app_ok || die "postgresql: cannot connect as $PG_URL (password auth over TCP); check pg_hba.conf for host 127.0.0.1/32"
}

if ((want_pg)); then
    if ! pg_up; then
        pg_start
        wait_for postgresql pg_up || die "postgresql: not answering on $PG_HOST:$PG_PORT after ${TIMEOUT}s"
    fi
    pg_ensure_role_db
    echo "postgresql: ok ($PG_HOST:$PG_PORT)"
fi

# --- mosquitto -------------------------------------------------------------------
mqtt_ensure_config() {
    # Debian's mosquitto.conf has no listener, i.e. mosquitto 2 "local only"
    # mode. Make the bind explicit (127.0.0.1:1883, anonymous) with a drop-in,
    # unless some config already declares its own listener/port.
    # The zero-loss lines are parkpilot.energy.mqtt.broker.ZERO_LOSS_SETTINGS (a test keeps
    # them equal); docs/energy-mqtt.md explains each. Anonymous on loopback for development:
    # production adds password_file/acl_file from `parkpilot mqtt_sync`.
    local want existing
    want=$'# Managed by ParkPilot scripts/services.sh (docs/energy-mqtt.md)\nlistener 1883 127.0.0.1\nallow_anonymous true\npersistence true\nautosave_interval 1\nautosave_on_changes false\nmax_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 0\npersistent_client_expiration 14d'
    [[ -f "$MOSQUITTO_DROPIN" && "$(cat "$MOSQUITTO_DROPIN")" == "$want" ]] && return 0
    existing=$(grep -lsE '^[[:space:]]*(listener|port)[[:space:]]' "$MOSQUITTO_CONF" /etc/mosquitto/conf.d/*.conf \
               | grep -vx "$MOSQUITTO_DROPIN" || true)
    if [[ -n "$existing" ]]; then
        log "mosquitto: listener already configured in $existing; leaving config alone"
        return 0
    fi
    grep -qsE '^[[:space:]]*include_dir[[:space:]]+/etc/mosquitto/conf.d' "$MOSQUITTO_CONF" \
        || { log "mosquitto: $MOSQUITTO_CONF has no include_dir conf.d; relying on its defaults"; return 0; }
    log "mosquitto: writing $MOSQUITTO_DROPIN (listener 1883 127.0.0.1, anonymous, zero-loss queues)"
    printf '%s\n' "$want" | as_root tee "$MOSQUITTO_DROPIN" >/dev/null
}

mqtt_start() {
    mqtt_ensure_config
    # /run/mosquitto normally comes from the init system; make sure it exists
    # for the pid_file. mosquitto drops privileges to user 'mosquitto' itself.
    as_root install -d -o mosquitto -g mosquitto -m 755 /run/mosquitto 2>/dev/null || true
    log "mosquitto: starting daemon (mosquitto -d -c $MOSQUITTO_CONF)"
    as_root mosquitto -d -c "$MOSQUITTO_CONF" \
        || die "mosquitto: failed to start (see /var/log/mosquitto/mosquitto.log)"
}

if ((want_mqtt)); then
    if ! mqtt_up; then
        mqtt_start
        wait_for mosquitto mqtt_up || die "mosquitto: not answering on $MQTT_HOST:$MQTT_PORT after ${TIMEOUT}s (see /var/log/mosquitto/mosquitto.log)"
    fi
    echo "mosquitto: ok ($MQTT_HOST:$MQTT_PORT)"
fi

# --- redis ----------------------------------------------------------------------
redis_start() {
    local conf=/etc/redis/redis.conf args
    args=(--daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT")
    log "redis: starting daemon (redis-server --daemonize yes --bind $REDIS_HOST)"
    if [[ -f "$conf" ]] && id redis >/dev/null 2>&1; then
        # Run as the 'redis' user like the packaged service does, so that
        # /var/lib/redis/dump.rdb never ends up owned by root.
        as_root install -d -o redis -g redis -m 2775 /run/redis 2>/dev/null || true
        as_user redis redis-server "$conf" "${args[@]}" --supervised no \
            || die "redis: failed to start (see /var/log/redis/redis-server.log)"
    else
        redis-server "${args[@]}" || die "redis: failed to start"
    fi
}

if ((want_redis)); then
    if ! redis_up; then
        redis_start
        wait_for redis redis_up || die "redis: not answering on $REDIS_HOST:$REDIS_PORT after ${TIMEOUT}s (see /var/log/redis/redis-server.log)"
    fi
    echo "redis: ok ($REDIS_HOST:$REDIS_PORT)"
fi

# --- chromium -------------------------------------------------------------------
if ((want_chromium)); then
    chromium_ok || die "chromium: /usr/bin/chromium missing after install"
    echo "chromium: ok (/usr/bin/chromium)"
fi
if ((want_pdf)); then
    echo "pdf: ok (pango, fonts-noto-cjk, libmagic)"
fi
