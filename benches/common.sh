# Shell helpers the benches' load scripts share (`split-vs-nginx.sh`,
# `guestbook-engines.sh`, `tfb.sh`): sourced, not run. Each script keeps its own
# `leashed` (how its servers are stopped differs) and sets SCRATCH, the
# temporary folder, before calling these.

die() { echo "error: $*" >&2; exit 1; }

# Sets NGINX to the nginx binary, or stops the script saying how to get one
# (Debian puts it in /usr/sbin, which a user's PATH may not hold).
find_nginx() {
    NGINX=$(command -v nginx || true)
    for candidate in /usr/sbin/nginx /usr/local/sbin/nginx; do
        [ -n "$NGINX" ] || { [ -x "$candidate" ] && NGINX=$candidate; } || true
    done
    [ -n "$NGINX" ] || die "nginx is not installed (apt-get install -y nginx-light)"
}

# await_nginx DIR PORT: waits until the nginx started with prefix DIR has
# written its pid file and answers on PORT, then sets ADDR to it; stops the
# script with nginx's logs if it does not come up within 20 s.
await_nginx() {
    local dir=$1 port=$2
    for _ in $(seq 200); do
        if [ -s "$dir/nginx.pid" ] && (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            ADDR=127.0.0.1:$port
            return
        fi
        sleep 0.1
    done
    cat "$SCRATCH/nginx.log" "$dir/error.log" >&2 || true
    die "nginx did not start"
}

# The pipe the current setup's leashes read. The script holds its only
# writer, in file descriptor $HOLD; the servers must not inherit it.
hold_open() {
    rm -f "$SCRATCH/hold"
    mkfifo "$SCRATCH/hold"
    exec {HOLD}<>"$SCRATCH/hold"
    LEASHES=()
}

# Closing the pipe stops every server of the setup; wait for the leashes.
stop_all() {
    exec {HOLD}>&-
    wait "${LEASHES[@]}" 2>/dev/null || true
}

# address_in LOG: waits for a `listening on ADDR` line, prints ADDR.
address_in() {
    local log=$1
    for _ in $(seq 200); do
        local addr
        addr=$(grep -o -m1 'listening on [0-9.]*:[0-9]*' "$log" 2>/dev/null | cut -d' ' -f3 || true)
        if [ -n "$addr" ]; then echo "$addr"; return; fi
        sleep 0.1
    done
    cat "$log" >&2
    die "no 'listening on' line in $log"
}

# A loopback port nothing answers on, below the kernel's range for outgoing
# connections (whose local ports wrk's and nginx's connections hold, and
# nginx could not bind). nginx and PostgreSQL cannot take port 0.
free_port() {
    local port low
    low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    for _ in $(seq 50); do
        port=$((10000 + RANDOM % (low - 10000)))
        if ! (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    die "no free port found"
}

# --- PostgreSQL: a throwaway cluster --------------------------------------------
#
# initdb in a temp folder, loopback only, no fsync (as the tests'
# support/postgres.rs makes it, so the figures are the server's work, not
# this machine's disk). initdb and postgres refuse to run as root: then
# both run as the postgres user that Debian's package makes, the leash's
# shell included (so that its SIGINT, PostgreSQL's fast shutdown, reaches
# postgres itself).

# find_postgres: sets PG_BIN to the folder of initdb, postgres and psql, or
# to nothing usable (check `[ -x "$PG_BIN/initdb" ]`).
find_postgres() {
    PG_BIN=$(pg_config --bindir 2>/dev/null || true)
    [ -x "$PG_BIN/initdb" ] || PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres USER [SETTING...]: starts the cluster in $SCRATCH/pg on a
# free port, its superuser USER, each SETTING passed as `-c SETTING`; sets
# PG_DIR, PG_PORT and PG_USER, and returns once it answers (or stops the
# script with its log). It runs on a leash of its own, the pipe in
# $PG_HOLD: the script must have opened HOLD and PG_HOLD (`exec
# {HOLD}</dev/null {PG_HOLD}</dev/null`) so that its children can close
# them, and call stop_postgres when it ends.
start_postgres() {
    PG_USER=$1
    shift
    local settings=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
    for setting in "$@"; do settings+=(-c "$setting"); done
    PG_DIR=$SCRATCH/pg
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PG_DIR"; fi
    as_postgres "$PG_BIN/initdb" --auth=trust --no-sync --encoding=UTF8 --locale=C \
        -U "$PG_USER" -D "$PG_DIR/data" >/dev/null
    PG_PORT=$(free_port)
    mkfifo "$SCRATCH/pg-hold"
    exec {PG_HOLD}<>"$SCRATCH/pg-hold"
    as_postgres sh -c '"$@" </dev/null & p=$!; read _; kill -INT $p; wait $p' sh \
        "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -h 127.0.0.1 -k "$PG_DIR" \
        "${settings[@]}" <"$SCRATCH/pg-hold" >"$SCRATCH/pg.log" 2>&1 {PG_HOLD}>&- {HOLD}>&- &
    PG_LEASH=$!
    for _ in $(seq 100); do psql_in postgres -c "SELECT 1" >/dev/null 2>&1 && return; sleep 0.1; done
    psql_in postgres -c "SELECT 1" >/dev/null || { cat "$SCRATCH/pg.log" >&2; die "PostgreSQL did not start"; }
}

# Closes the cluster's pipe: its leash stops it; waits for that.
stop_postgres() { exec {PG_HOLD}>&-; wait "$PG_LEASH" 2>/dev/null || true; }

# psql_in DATABASE ARGS...: psql as the cluster's superuser, stopping at the
# first error.
psql_in() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" -U "$PG_USER" -d "$1" "${@:2}"; }
