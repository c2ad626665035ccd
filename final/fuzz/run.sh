#!/usr/bin/env bash
# Runs every fuzz target for a bounded time: `bash final/fuzz/run.sh [SECONDS]`
# (default 20 per target); `run.sh SECONDS TARGET...` runs only those. Builds once, then prints per target how long it
# ran and how many inputs it tried. Exits non-zero if any target crashed,
# after running the others, with each crash file's path in the output.
#
# Needs nightly Rust (cargo-fuzz builds with sanitizers that only nightly
# has). Without a nightly toolchain it says so and exits 0, under CI too:
# the fuzz pass is extra, and CI's stable checks do not depend on it.
# cargo-fuzz is installed if missing.
#
# New inputs the fuzzer finds go to target/corpus/<target> (not committed);
# the seeds in corpus/<target> are only read. See README.md here.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-20}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: $0 [SECONDS per target, default 20] [TARGET...]" >&2
    exit 2
fi

if ! command -v rustup >/dev/null 2>&1 || ! rustup toolchain list | grep -q '^nightly'; then
    echo "fuzz: skipped: no nightly toolchain (rustup toolchain install nightly), which cargo-fuzz needs"
    exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

start=$(date +%s)
echo "fuzz: building the targets (cargo +nightly fuzz build)"
cargo +nightly fuzz build
echo "fuzz: built in $(($(date +%s) - start)) s"

mkdir -p target/fuzz-logs
failed=()
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
for target in "${targets[@]}"; do
    mkdir -p "target/corpus/$target" "corpus/$target"
    log="target/fuzz-logs/$target.log"
    # Inputs up to 8 KiB where a limit sits at 4 KiB (a chunk-size line);
    # libFuzzer's default, 4 KiB, would never cross it.
    case "$target" in
        request_head | chunked_body) max_len=8192 ;;
        *) max_len=4096 ;;
    esac
    began=$(date +%s)
    # -timeout: an input that takes 10 s is a hang, and a finding.
    if cargo +nightly fuzz run "$target" "target/corpus/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1; then
        status="ok"
    else
        status="FAILED"
        failed+=("$target")
    fi
    took=$(($(date +%s) - began))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    printf 'fuzz: %-16s %-6s ran %4s s, %10s execs\n' "$target" "$status" "$took" "${execs:-?}"
    if [ "$status" = "FAILED" ]; then
        # libFuzzer names the file it saved the input to; show the panic too.
        grep -E "panicked at|^SUMMARY|Test unit written to|ERROR: libFuzzer" "$log" | head -8 | sed 's/^/    /'
        echo "    full log: final/fuzz/$log"
    fi
done

echo "fuzz: done in $(($(date +%s) - start)) s"
if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: crashes in: ${failed[*]} (reproduce: cd final/fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/FILE)" >&2
    exit 1
fi
