#!/usr/bin/env bash
# TechEmpower's six test types, httprs beside axum and actix-web
# (README, "TechEmpower test types").
#
#   bash benches/tfb.sh                                  # 3 rounds x 5 s: about 13 minutes
#   bash benches/tfb.sh --rounds 2 --duration 5s --tests "json db fortunes"
#   bash benches/tfb.sh --rounds 0                       # the checks only
#
# Options (or the variables in capitals): --rounds N (ROUNDS, 3; 0 checks
# only), --duration D (DURATION, 5s, wrk's syntax), --tests "..." (TESTS, all six),
# --connections "..." (CONNECTIONS, "64 256"), --plaintext-connections "..."
# (PLAINTEXT_CONNECTIONS, "256"), --csv FILE (CSV, target/tfb.csv),
# --svg FILE (SVG, benches/report/tfb.svg).
#
# The setups: httprs (benches/src/bin/tfb-httprs.rs) on PostgreSQL and on
# SQLite, axum and actix-web (benches/tfb-peers, a package outside the
# workspace, written as their TechEmpower entries are), all optimised builds
# of one codegen unit with thin LTO, as the entries build (httprs: the
# workspace's `tfb` profile, Cargo.toml),
# all on one PostgreSQL database with the same rows. The peers run one
# worker per core, as their entries do; httprs runs its defaults (an event
# loop per core, 4 workers per core), with a pool of 8 connections and the
# access log off. Plaintext and JSON touch no database: httprs runs them once.
#
# TechEmpower's load, scaled to this machine: wrk with 2 threads, 64 and 256
# connections (TechEmpower: 16 to 512 on 28 cores), plaintext at 256 with 16
# requests pipelined per connection (benches/tfb/pipeline.lua, as
# TechEmpower's), /queries and /updates at ?queries=20 (TechEmpower: 1 to 20).
#
# Before anything is timed, every setup's answers to every test type are
# checked (benches/tfb/check.py): status 200, Server, Date and Content-Type,
# JSON keys and types, the queries count clamped to 1..500 (and 1 for a
# non-number), rows equal to the database's, updates written, and the
# fortunes page byte for byte against benches/tfb/fortunes.html. A failed
# check stops the script.
#
# Then the setups alternate within each round (test type, connections,
# setup), so a busy moment of a shared machine hits all alike, and each
# round starts the setups at the next one (httprs first in round 1, axum
# in round 2, ...), so none always runs first after a change of test type:
# compare the ratios of the medians more than the figures. The medians, the ratios and
# the chart come from benches/tfb/report.py.
#
# One machine for three: TechEmpower runs the load generator, the server
# and the database on three machines; here they share two cores. Linux puts
# each session in a scheduling group of its own (autogroups) and shares the
# CPU between groups first, so each server and each wrk runs in a session
# of its own (setsid) and PostgreSQL stays in this script's: when all three
# want the CPU, each role gets its share, as if on its own machine, and not
# a share per thread. (In one group, measured on 2026-12-07, httprs's async
# /db fell into lock-step with PostgreSQL, one request per wake-up, at half
# the rate it reaches with groups of its own; the peers moved less.)
#
# PostgreSQL is a throwaway cluster (initdb in a temp folder, loopback, no
# fsync), as benches/common.sh makes it; the `world` table (10,000 rows,
# random numbers from 1 to 10000) and `fortune` (the 12 standard rows,
# benches/tfb/tables.sql) are made and filled by this script, in it and in
# a SQLite file. Every server runs on a leash: stopped when this script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
TESTS=${TESTS:-plaintext json db queries fortunes updates}
CONNECTIONS=${CONNECTIONS:-64 256}
PLAINTEXT_CONNECTIONS=${PLAINTEXT_CONNECTIONS:-256}
PIPELINE=16
QUERIES=20
TARGET=${CARGO_TARGET_DIR:-$PWD/target}
CSV=${CSV:-$TARGET/tfb.csv}
SVG=${SVG:-benches/report/tfb.svg}

# die, hold_open, stop_all, address_in, free_port, find_postgres,
# start_postgres, stop_postgres, psql_in
. benches/common.sh

while [ $# -gt 0 ]; do
    case $1 in
    --rounds) ROUNDS=$2 ;;
    --duration) DURATION=$2 ;;
    --tests) TESTS=$2 ;;
    --connections) CONNECTIONS=$2 ;;
    --plaintext-connections) PLAINTEXT_CONNECTIONS=$2 ;;
    --csv) CSV=$2 ;;
    --svg) SVG=$2 ;;
    *) die "unknown option $1 (see the top of benches/tfb.sh)" ;;
    esac
    shift 2 || die "$1 needs a value"
done

# --- tools: found, or installed as the other bench scripts say --------------------

# install PACKAGE: apt-get install, when this script may (root, apt-get present).
install() {
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing $1" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null ||
            { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$1" >/dev/null; }
    fi
}
command -v wrk >/dev/null || install wrk
command -v wrk >/dev/null || die "wrk is not installed (apt-get install -y wrk)"
command -v sqlite3 >/dev/null || install sqlite3
command -v sqlite3 >/dev/null || die "sqlite3 is not installed (apt-get install -y sqlite3)"
command -v python3 >/dev/null || die "python3 is not installed (apt-get install -y python3)"
command -v curl >/dev/null || die "curl is not installed (apt-get install -y curl)"
find_postgres
[ -x "$PG_BIN/initdb" ] || { install postgresql && find_postgres; }
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL is not installed (apt-get install -y postgresql)"

echo "== load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "== building (optimised): tfb-httprs; tfb-axum and tfb-actix (benches/tfb-peers)" >&2
cargo build --profile tfb -q -p benches --bin tfb-httprs
(cd benches/tfb-peers && CARGO_TARGET_DIR=$TARGET cargo build --release -q --locked --bins)

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tfb.XXXXXX")
chmod 755 "$SCRATCH"
trap 'rm -rf "$SCRATCH"' EXIT
trap 'exit 130' INT TERM

# --- leashes (as in guestbook-engines.sh) -----------------------------------------

exec {HOLD}</dev/null {PG_HOLD}</dev/null
LEASHES=()

# leashed FIFO LOG PROGRAM ARGS...: runs PROGRAM under a `sh` that waits for
# end of file on FIFO, then sends it SIGTERM and waits for it.
# Each server in a session, so a scheduling group, of its own (see "One
# machine for three" above).
leashed() {
    local fifo=$1 log=$2
    shift 2
    setsid sh -c '"$@" </dev/null & p=$!; read _; kill -TERM $p; wait $p' sh "$@" \
        <"$fifo" >"$log" 2>&1 {HOLD}>&- {PG_HOLD}>&- &
    LEASHES+=($!)
}

# --- PostgreSQL: one throwaway cluster ----------------------------------------------

start_postgres benchmarkdbuser max_connections=200
trap 'stop_all; stop_postgres; rm -rf "$SCRATCH"' EXIT
PG_URL=postgres://benchmarkdbuser@127.0.0.1:$PG_PORT/hello_world

# --- the tables, in both engines ---------------------------------------------------------

echo "== tables: world (10,000 rows), fortune (12 rows), in PostgreSQL and SQLite" >&2
# The world rows, one INSERT; awk's random numbers, seeded per run.
awk -v seed="$RANDOM" 'BEGIN {
    srand(seed)
    print "INSERT INTO world (id, randomnumber) VALUES"
    for (i = 1; i <= 10000; i++) printf "(%d, %d)%s\n", i, int(rand() * 10000) + 1, (i < 10000 ? "," : ";")
}' >"$SCRATCH/world.sql"
psql_in postgres -c "CREATE DATABASE hello_world" >/dev/null
psql_in hello_world -f benches/tfb/tables.sql -f "$SCRATCH/world.sql" >/dev/null
psql_in hello_world -c "VACUUM ANALYZE" >/dev/null
SQLITE=$SCRATCH/hello_world.sqlite3
{ echo "BEGIN;"; cat benches/tfb/tables.sql "$SCRATCH/world.sql"; echo "COMMIT;"; } | sqlite3 "$SQLITE"

# --- the servers: all four up for the whole run ------------------------------------------

hold_open
declare -A ADDRS
HTTPRS=$TARGET/tfb/tfb-httprs
start_httprs() { # NAME DATABASE
    HTTPRS_DATABASE=$2 HTTPRS_DATABASE_POOL=8 HTTPRS_DEBUG=false HTTPRS_ACCESS_LOG=false \
        leashed "$SCRATCH/hold" "$SCRATCH/$1.log" "$HTTPRS" --addr 127.0.0.1:0
    ADDRS[$1]=$(address_in "$SCRATCH/$1.log")
}
start_peer() { # NAME
    local port
    port=$(free_port)
    leashed "$SCRATCH/hold" "$SCRATCH/$1.log" "$TARGET/release/tfb-$1" \
        --addr "127.0.0.1:$port" --database "$PG_URL"
    ADDRS[$1]=127.0.0.1:$port
}
start_httprs httprs "$PG_URL"
start_httprs httprs-sqlite "$SQLITE"
start_peer axum
start_peer actix
# Up when /plaintext answers (the peers connect to the database first).
for setup in "${!ADDRS[@]}"; do
    for _ in $(seq 200); do
        curl -sf -o /dev/null "http://${ADDRS[$setup]}/plaintext" && break
        sleep 0.1
    done
    curl -sf -o /dev/null "http://${ADDRS[$setup]}/plaintext" || { cat "$SCRATCH/$setup.log" >&2; die "$setup did not start"; }
done

# setups_for TEST: the setups a test type is measured on.
setups_for() {
    case $1 in
    plaintext | json) echo "httprs axum actix" ;;
    *) echo "httprs axum actix httprs-sqlite" ;;
    esac
}

# rotated N WORDS...: the words from the Nth on, then the ones before it
# (N counts from 1 and wraps around).
rotated() {
    local n=$1
    shift
    local words=("$@") i
    for ((i = 0; i < ${#words[@]}; i++)); do
        echo "${words[$(((n - 1 + i) % ${#words[@]}))]}"
    done
}

# --- correctness first --------------------------------------------------------------------

echo "== checking every answer before timing" >&2
checks_failed=0
for setup in httprs axum actix httprs-sqlite; do
    tests=""
    for test in $TESTS; do
        [[ " $(setups_for "$test") " == *" $setup "* ]] && tests="$tests $test"
    done
    if [ "$setup" = httprs-sqlite ]; then
        sql=(sqlite3 "$SQLITE")
    else
        sql=("$PG_BIN/psql" -X -At -h "$PG_DIR" -p "$PG_PORT" -U benchmarkdbuser -d hello_world -c)
    fi
    python3 benches/tfb/check.py "http://${ADDRS[$setup]}" "$setup" "$tests" benches/tfb/fortunes.html "${sql[@]}" ||
        checks_failed=1
done
[ "$checks_failed" = 0 ] || die "a check failed (above): nothing was timed"
if [ "$ROUNDS" = 0 ]; then
    echo "== every check passed; --rounds 0: nothing timed" >&2
    exit 0
fi

# --- timing --------------------------------------------------------------------------------

path_for() {
    case $1 in
    queries | updates) echo "/$1?queries=$QUERIES" ;;
    *) echo "/$1" ;;
    esac
}
mkdir -p "$(dirname "$CSV")"
echo "round,test,connections,setup,requests_per_s,errors" >"$CSV"
echo "== $ROUNDS rounds of wrk -t2 -d$DURATION per test type, connections and setup, alternating" >&2
for round in $(seq "$ROUNDS"); do
    for test in $TESTS; do
        conns_list=$CONNECTIONS
        lua=()
        if [ "$test" = plaintext ]; then
            conns_list=$PLAINTEXT_CONNECTIONS
            lua=(-s benches/tfb/pipeline.lua)
        fi
        for conns in $conns_list; do
            for setup in $(rotated "$round" $(setups_for "$test")); do
                url="http://${ADDRS[$setup]}$(path_for "$test")"
                args=()
                [ "$test" = plaintext ] && args=(-- "$PIPELINE")
                # TechEmpower's headers; wrk stops itself after DURATION, the
                # timeout only guards a hang.
                out=$(timeout 120 setsid wrk -t2 -c"$conns" -d"$DURATION" --timeout 8 \
                    -H 'Accept: application/json,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7' \
                    -H 'Connection: keep-alive' "${lua[@]}" "$url" "${args[@]}" {HOLD}>&- {PG_HOLD}>&- || true)
                rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
                errors=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | paste -sd';' || true)
                [ -n "$rate" ] || { echo "$out" >&2; die "$setup $test: wrk printed no Requests/sec"; }
                echo "$round,$test,$conns,$setup,$rate,\"$errors\"" >>"$CSV"
                printf 'round %s  %-9s c=%-4s %-14s %10.0f req/s  %s\n' "$round" "$test" "$conns" "$setup" "$rate" "$errors" >&2
            done
        done
    done
done

# --- summary -------------------------------------------------------------------------------

echo
python3 benches/tfb/report.py "$CSV" "$SVG"
echo
echo "every run: $CSV; chart: $SVG"
echo "== load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
