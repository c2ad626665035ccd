#!/usr/bin/env bash
# check-honesty.sh: prove that the exercises are honest, for CI.
#
#   1. the exercise files are the untouched stubs the runner's catalog expects;
#   2. every test passes against the reference solutions (--features solutions);
#   3. every exercise's test file FAILS against its stub: no test file is
#      empty or toothless, and no exercise is solved out of the box.
#
# Usage, from anywhere:  exercises/check-honesty.sh
# Exits non-zero, naming the culprits, if any check fails. Honours
# CARGO_TARGET_DIR like any cargo command.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo="${CARGO:-cargo}"

echo "== 1/3: exercise files are untouched stubs"
"$cargo" run --quiet -p exercises -- verify-stubs

echo "== 2/3: all tests pass against the reference solutions"
"$cargo" test --quiet -p exercises --features solutions --no-fail-fast

echo "== 3/3: each exercise's tests fail against its stub"
# Build every test binary once, up front. This also proves the stubs compile,
# so a failure below can only be failing tests, never a build error.
"$cargo" test --quiet -p exercises --tests --no-run

dishonest=()
for file in exercises/tests/ex*.rs; do
    name="$(basename "$file" .rs)"
    if ! "$cargo" run --quiet -p exercises -- hint "$name" >/dev/null 2>&1; then
        echo "error: $name has a test file but is not in the runner's catalog (exercises/runner/catalog.rs)"
        dishonest+=("$name")
        continue
    fi
    # `|| status=$?` keeps `set -e` from stopping here: failure is what we want.
    status=0
    output="$("$cargo" test -p exercises --test "$name" --color never 2>&1)" || status=$?
    if [ "$status" -eq 0 ]; then
        echo "error: $name: its tests PASS against the unsolved stub"
        dishonest+=("$name")
    elif ! grep -q "test result: FAILED" <<<"$output"; then
        echo "error: $name: cargo failed without a test failing:"
        echo "$output" | tail -n 20
        dishonest+=("$name")
    else
        passed="$(grep -c ' \.\.\. ok$' <<<"$output" || true)"
        failed="$(grep -c ' \.\.\. FAILED$' <<<"$output" || true)"
        echo "ok: $name fails against its stub ($failed failing, $passed passing)"
        # A test that passes against a stub is allowed (it may check given
        # code), but worth knowing about.
        grep ' \.\.\. ok$' <<<"$output" | sed "s/^test /   note: passes unsolved: /; s/ \.\.\. ok$//" || true
    fi
done

if [ "${#dishonest[@]}" -gt 0 ]; then
    echo "FAILED: dishonest exercises: ${dishonest[*]}"
    exit 1
fi
echo "all exercises are honest: solutions pass, stubs fail"
