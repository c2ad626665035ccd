# Shell helpers the benches' load scripts share (`split-vs-nginx.sh`,
# `guestbook-engines.sh`): sourced, not run. Each script keeps its own
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
