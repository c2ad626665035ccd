#!/usr/bin/env bash
# The guestbook signed and read under wrk: SQLite against PostgreSQL, one
# instance against two behind nginx (the README's "Growing past one machine").
#
#   bash benches/guestbook-engines.sh              # 3 rounds x 4 setups x 5 s: about 2 minutes
#   ROUNDS=5 DURATION=8s CONNECTIONS=32 bash benches/guestbook-engines.sh
#
# Four setups, release builds of the demo (final/examples/demo), production
# settings (HTTPRS_DEBUG=false, a secret key, access log off), defaults
# otherwise (database_pool 4, 4 workers per core):
#   sqlite-1  one instance, a SQLite file
#   sqlite-2  two instances on that one file, behind nginx
#   pg-1      one instance, a PostgreSQL database
#   pg-2      two instances on that one database, behind nginx
# nginx runs final/examples/demo/deploy/nginx.conf, the README's file, with
# the two instances' addresses, a loopback port and the static folder
# filled in, as final/tests/deployment.rs does. One instance is measured
# directly (the README's first command), so the -2 rows include nginx's hop.
#
# The load is benches/guestbook.lua: each connection posts the page's form
# (303) and reads the page (200, the 50 newest entries) in turn, with one
# visitor's CSRF token and its cookie, fetched with curl before the run.
# Each run starts on a fresh database and fresh processes, and the setups
# alternate within each round, so a busy moment of a shared machine hits
# all four alike: compare the ratios of the medians, not the figures.
#
# PostgreSQL is a throwaway cluster (initdb in a temp folder, loopback, no
# fsync: as the tests' support/postgres.rs makes it, so the figures are the
# server's work, not this machine's disk). Loopback only. Every server runs
# on a leash: a `sh` that reads a pipe only this script holds open and stops
# its server when the pipe closes, however the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-16}
SECRET_KEY=guestbook-engines-bench-key-32-bytes-or-more-0123456789

# die, find_nginx, await_nginx, hold_open, stop_all, address_in, free_port,
# find_postgres, start_postgres, stop_postgres, psql_in
. benches/common.sh

command -v wrk >/dev/null || die "wrk is not installed (apt-get install -y wrk)"
command -v curl >/dev/null || die "curl is not installed (apt-get install -y curl)"
find_nginx
find_postgres
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL is not installed (apt-get install -y postgresql)"

echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== building (release)" >&2
cargo build --release -q -p httprs --example demo
DEMO=${CARGO_TARGET_DIR:-target}/release/examples/demo
STATIC=$PWD/final/examples/demo/static/

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/guestbook-engines.XXXXXX")
chmod 755 "$SCRATCH"
# Only the files; every server is stopped through its pipe.
trap 'rm -rf "$SCRATCH"' EXIT
trap 'exit 130' INT TERM

# --- leashes -------------------------------------------------------------------

# The pipes' descriptors, open from the start so that closing them in a
# child (`{HOLD}>&-`) is always valid.
exec {HOLD}</dev/null {PG_HOLD}</dev/null

# leashed FIFO SIGNAL LOG PROGRAM ARGS...: runs PROGRAM under a `sh` that
# waits for end of file on FIFO, then sends it SIGNAL and waits for it.
leashed() {
    local fifo=$1 signal=$2 log=$3
    shift 3
    sh -c '"$@" </dev/null & p=$!; read _; kill -'"$signal"' $p; wait $p' sh "$@" \
        <"$fifo" >"$log" 2>&1 {HOLD}>&- {PG_HOLD}>&- &
    LEASHES+=($!)
}

# --- PostgreSQL: one throwaway cluster for the whole run -------------------------

start_postgres bench
trap 'stop_postgres; rm -rf "$SCRATCH"' EXIT
psql_run() { psql_in postgres -c "$1"; }

# --- one setup -------------------------------------------------------------------

RUN=0
# database_for ENGINE: a fresh, empty database for run $RUN.
database_for() {
    case $1 in
    sqlite) echo "$SCRATCH/run-$RUN.sqlite3" ;;
    pg)
        psql_run "CREATE DATABASE run_$RUN" >/dev/null
        echo "postgres://bench@127.0.0.1:$PG_PORT/run_$RUN"
        ;;
    esac
}

# instance N DATABASE: starts demo instance N; prints nothing, sets INSTANCE_ADDR.
instance() {
    HTTPRS_DATABASE=$2 HTTPRS_DEBUG=false HTTPRS_ACCESS_LOG=false \
        HTTPRS_SECRET_KEY=$SECRET_KEY \
        leashed "$SCRATCH/hold" TERM "$SCRATCH/demo-$1.log" "$DEMO" --addr 127.0.0.1:0
    INSTANCE_ADDR=$(address_in "$SCRATCH/demo-$1.log")
}

# nginx_in_front_of ADDR1 ADDR2: the README's file, filled in; sets ADDR.
nginx_in_front_of() {
    local dir=$SCRATCH/nginx port
    rm -rf "$dir"
    mkdir -p "$dir"
    port=$(free_port)
    sed -e "s|server app1:7777;|server $1;|" -e "s|server app2:7777;|server $2;|" \
        -e "s|listen 80;|listen 127.0.0.1:$port;|" -e "s|/srv/guestbook/static/|$STATIC|" \
        final/examples/demo/deploy/nginx.conf >"$dir/site.conf"
    cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes 2;
error_log $dir/error.log;
pid $dir/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/client_body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/site.conf;
}
EOF
    leashed "$SCRATCH/hold" TERM "$SCRATCH/nginx.log" "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    await_nginx "$dir" "$port"
}

# start SETUP: starts one setup on a fresh database; sets ADDR.
start() {
    local engine=${1%-*} count=${1#*-} database first
    RUN=$((RUN + 1))
    database=$(database_for "$engine")
    instance 1 "$database"
    if [ "$count" = 1 ]; then
        ADDR=$INSTANCE_ADDR
        return
    fi
    first=$INSTANCE_ADDR
    instance 2 "$database"
    nginx_in_front_of "$first" "$INSTANCE_ADDR"
}

# visitor ADDR: opens the page once, as a browser; exports what the Lua script needs.
visitor() {
    curl -s -D "$SCRATCH/head" -o "$SCRATCH/page" "http://$1/"
    # The form's token comes with a cookie of its own (no session row is stored).
    GUESTBOOK_COOKIE=$(grep -i -o -m1 'httprs_csrf=[^;]*' "$SCRATCH/head")
    GUESTBOOK_TOKEN=$(grep -o -m1 'name="csrf_token" value="[0-9a-f]*' "$SCRATCH/page" | cut -d'"' -f4)
    [ -n "$GUESTBOOK_COOKIE" ] && [ -n "$GUESTBOOK_TOKEN" ] || die "no token cookie or token from http://$1/"
    export GUESTBOOK_COOKIE GUESTBOOK_TOKEN GUESTBOOK_ORIGIN="http://$1"
}

# --- measuring -------------------------------------------------------------------

SETUPS=(sqlite-1 sqlite-2 pg-1 pg-2)
RESULTS=$SCRATCH/results # lines: SETUP REQ_PER_S
: >"$RESULTS"
echo "== $ROUNDS rounds of wrk -t2 -c$CONNECTIONS -d$DURATION -s benches/guestbook.lua, setups alternating" >&2
for round in $(seq "$ROUNDS"); do
    for setup in "${SETUPS[@]}"; do
        hold_open
        start "$setup"
        visitor "$ADDR"
        # wrk stops itself after DURATION; the timeout only guards a hang.
        out=$(timeout 60 wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s benches/guestbook.lua \
            "http://$ADDR/" {HOLD}>&- {PG_HOLD}>&- || true)
        stop_all
        rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
        errors=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | paste -sd';' || true)
        [ -n "$rate" ] || { echo "$out" >&2; die "$setup: wrk printed no Requests/sec"; }
        echo "$setup $rate" >>"$RESULTS"
        printf 'round %s  %-9s %8.0f req/s  %s\n' "$round" "$setup" "$rate" "$errors" >&2
    done
done

# --- summary ---------------------------------------------------------------------

median() { grep "^$1 " "$RESULTS" | cut -d' ' -f2 | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "median requests/s (half POST 303, half GET 200), $ROUNDS runs each:"
for setup in "${SETUPS[@]}"; do
    printf '  %-9s %8.0f\n' "$setup" "$(median "$setup")"
done
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", a / b }'; }
echo "ratios of medians:"
echo "  pg-1 / sqlite-1      $(ratio pg-1 sqlite-1)"
echo "  pg-2 / sqlite-2      $(ratio pg-2 sqlite-2)"
echo "  sqlite-2 / sqlite-1  $(ratio sqlite-2 sqlite-1)"
echo "  pg-2 / pg-1          $(ratio pg-2 pg-1)"
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
