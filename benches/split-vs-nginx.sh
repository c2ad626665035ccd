#!/usr/bin/env bash
# Split mode against nginx, measured with wrk (issue 14's yardstick).
#
#   bash benches/split-vs-nginx.sh              # 3 rounds, 5 s per run: about 4 minutes
#   ROUNDS=5 DURATION=8s bash benches/split-vs-nginx.sh
#   BASELINE_BIN=/tmp/before bash benches/split-vs-nginx.sh   # a change, before and after
#
# BASELINE_BIN names a folder holding bench-httprs and bench-httprs-front
# built before a change (copied from target/release): a fifth setup,
# `split-base`, runs them, alternating with the others, and the summary
# adds the ratio a/base, the change's own effect.
#
# Four setups, all serving GET /hello/world with keep-alive, release builds:
#   a  httprs-split   httprs-front -> one bench-httprs --backend (step 06's protocol)
#   b  nginx→hyper    nginx -> hyper_hello (the anchor)
#   c  httprs         one bench-httprs process
#   d  nginx→httprs   nginx -> bench-httprs in HTTP mode
# nginx runs with benches/nginx/bench.conf.template (2 workers, upstream
# keepalive 64), the configuration the benches' nginx rows use. Access logs
# are off everywhere (hyper has none).
#
# For each round and each of `wrk -t2 -c64` and `wrk -t2 -c1000`, the four
# setups run one after the other, each started afresh and stopped after its
# run, so a busy moment of a shared machine hits all four alike: the ratios
# of medians (a/b, a/c) are what to compare, not the absolute figures.
#
# Loopback only. Every server runs on the benches' leash, reading a pipe
# that only this script holds open: however the script ends (even
# `kill -9`), the pipe closes and the leash stops the server; nginx's leash
# stops it with SIGTERM so that its workers go too.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-"64 1000"}
PATH_UNDER_TEST=/hello/world

# die, find_nginx, await_nginx, hold_open, stop_all, address_in, free_port
. benches/common.sh

command -v wrk >/dev/null || die "wrk is not installed (apt-get install -y wrk)"
find_nginx

echo "== building (release)" >&2
cargo build --release -q -p benches \
    --bin bench-httprs --bin bench-httprs-front --bin hyper_hello --bin leash
BIN=${CARGO_TARGET_DIR:-target}/release

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/split-vs-nginx.XXXXXX")
# Only the files; every server is stopped through its pipe.
trap 'rm -rf "$SCRATCH"' EXIT
trap 'exit 130' INT TERM

# --- starting and stopping -------------------------------------------------

# leashed LOG PROGRAM ARGS...: starts PROGRAM on a leash, output to LOG.
leashed() {
    local log=$1
    shift
    "$BIN/leash" "$@" <"$SCRATCH/hold" >"$log" 2>&1 {HOLD}>&- &
    LEASHES+=($!)
}

# nginx_in_front_of ADDR: starts nginx proxying to ADDR; sets ADDR to nginx's.
nginx_in_front_of() {
    local dir=$SCRATCH/nginx port
    rm -rf "$dir"
    mkdir -p "$dir"
    port=$(free_port)
    sed -e "s|@SCRATCH@|$dir|g" -e "s|@LISTEN@|127.0.0.1:$port|g" -e "s|@UPSTREAM@|$1|g" \
        benches/nginx/bench.conf.template >"$dir/nginx.conf"
    leashed "$SCRATCH/nginx.log" --term "$NGINX" -c "$dir/nginx.conf" -p "$dir"
    await_nginx "$dir" "$port"
}

# start SETUP: starts one setup; sets ADDR to the address clients use. (Not
# run in $(...): a subshell's servers would not be this shell's to wait for.)
BENCH_SPLIT_KEY=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
start() {
    local backend
    case $1 in
    httprs-split)
        # A backend with debug off needs a split key, and its front the same one.
        HTTPRS_SPLIT_KEY=$BENCH_SPLIT_KEY HTTPRS_ACCESS_LOG=false leashed "$SCRATCH/backend.log" \
            "$BIN/bench-httprs" --backend --addr 127.0.0.1:0
        backend=$(address_in "$SCRATCH/backend.log")
        HTTPRS_SPLIT_KEY=$BENCH_SPLIT_KEY leashed "$SCRATCH/front.log" "$BIN/bench-httprs-front" \
            --addr 127.0.0.1:0 --backend "$backend" --access-log false
        ADDR=$(address_in "$SCRATCH/front.log")
        ;;
    split-base)
        # The same key: a baseline built since keys became required needs it.
        HTTPRS_SPLIT_KEY=$BENCH_SPLIT_KEY HTTPRS_ACCESS_LOG=false leashed "$SCRATCH/backend.log" \
            "$BASELINE_BIN/bench-httprs" --backend --addr 127.0.0.1:0
        backend=$(address_in "$SCRATCH/backend.log")
        HTTPRS_SPLIT_KEY=$BENCH_SPLIT_KEY leashed "$SCRATCH/front.log" "$BASELINE_BIN/bench-httprs-front" \
            --addr 127.0.0.1:0 --backend "$backend" --access-log false
        ADDR=$(address_in "$SCRATCH/front.log")
        ;;
    httprs)
        HTTPRS_ACCESS_LOG=false leashed "$SCRATCH/httprs.log" \
            "$BIN/bench-httprs" --addr 127.0.0.1:0
        ADDR=$(address_in "$SCRATCH/httprs.log")
        ;;
    nginx→hyper)
        leashed "$SCRATCH/hyper.log" "$BIN/hyper_hello" --addr 127.0.0.1:0
        nginx_in_front_of "$(address_in "$SCRATCH/hyper.log")"
        ;;
    nginx→httprs)
        HTTPRS_ACCESS_LOG=false leashed "$SCRATCH/httprs.log" \
            "$BIN/bench-httprs" --addr 127.0.0.1:0
        nginx_in_front_of "$(address_in "$SCRATCH/httprs.log")"
        ;;
    esac
}

# --- measuring ---------------------------------------------------------------

SETUPS=(httprs-split nginx→hyper httprs nginx→httprs)
if [ -n "${BASELINE_BIN:-}" ]; then
    for bin in bench-httprs bench-httprs-front; do
        [ -x "$BASELINE_BIN/$bin" ] || die "BASELINE_BIN: no $BASELINE_BIN/$bin"
    done
    SETUPS=(split-base "${SETUPS[@]}")
fi
RESULTS=$SCRATCH/results # lines: CONNECTIONS SETUP REQ_PER_S
: >"$RESULTS"

echo "== $ROUNDS rounds of wrk -t2 -c{${CONNECTIONS// /,}} -d$DURATION on $PATH_UNDER_TEST, setups alternating" >&2
for round in $(seq "$ROUNDS"); do
    for c in $CONNECTIONS; do
        for setup in "${SETUPS[@]}"; do
            hold_open
            start "$setup"
            # wrk stops itself after DURATION; the timeout only guards a hang.
            out=$(timeout 60 wrk -t2 -c"$c" -d"$DURATION" "http://$ADDR$PATH_UNDER_TEST" {HOLD}>&- || true)
            stop_all
            rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
            errors=$(grep -E 'Socket errors|Non-2xx' <<<"$out" | tr -s ' ' | paste -sd';' || true)
            [ -n "$rate" ] || { echo "$out" >&2; die "$setup: wrk printed no Requests/sec"; }
            echo "$c $setup $rate" >>"$RESULTS"
            printf 'round %s  -c%-5s %-13s %10.0f req/s  %s\n' "$round" "$c" "$setup" "$rate" "$errors" >&2
        done
    done
done

# --- summary -------------------------------------------------------------------

median() { # median of the rates for connections $1, setup $2
    awk -v c="$1" -v s="$2" '$1 == c && $2 == s { print $3 }' "$RESULTS" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
echo "| wrk | a httprs-split | b nginx→hyper | c httprs | d nginx→httprs | a/b | a/c |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for c in $CONNECTIONS; do
    a=$(median "$c" httprs-split)
    b=$(median "$c" nginx→hyper)
    cc=$(median "$c" httprs)
    d=$(median "$c" nginx→httprs)
    awk -v c="$c" -v a="$a" -v b="$b" -v cc="$cc" -v d="$d" -v dur="$DURATION" 'BEGIN {
        printf "| `-t2 -c%s -d%s` | %.0f | %.0f | %.0f | %.0f | %.2f× | %.2f× |\n", c, dur, a, b, cc, d, a / b, a / cc
    }'
done
if [ -n "${BASELINE_BIN:-}" ]; then
    echo
    echo "| wrk | base split-base | a httprs-split | a/base |"
    echo "|---|---:|---:|---:|"
    for c in $CONNECTIONS; do
        base=$(median "$c" split-base)
        a=$(median "$c" httprs-split)
        awk -v c="$c" -v a="$a" -v base="$base" -v dur="$DURATION" 'BEGIN {
            printf "| `-t2 -c%s -d%s` | %.0f | %.0f | %.2f× |\n", c, dur, base, a, a / base
        }'
    done
fi
echo
echo "medians of $ROUNDS runs each, req/s; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
