#!/usr/bin/env bash
# The whole test suite of Strata, from a fresh clone:
#   - installs what the tests need (a Python virtualenv with pypaimon 2.1.0 and pypaimon-rust
#     0.4.0, the Java Paimon 0.9 judge's jars) and starts/stops the servers they use,
#   - checks formatting and lints,
#   - runs every Rust test (unit, property, model, interop with both judges, CLI golden tests).
#
# Environment:
#   STRATA_TARGET_DIR  cargo target directory to reuse between runs (default: ./target)
#   STRATA_LONG=1      run the long variants of the model / crash / fault tests (4 writers x 250
#                      faulty commits, 200 SIGKILLs; about 20 more minutes)
#   STRATA_SEED=N      replay a seeded random test
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TARGET_DIR=${STRATA_TARGET_DIR:-$ROOT/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

step "test environment (pypaimon venv, Java judge, S3 servers moto and s3s-fs)"
ENV_FILE=$(mktemp)
cleanup() {
    # The S3 servers setup-test-env.sh started for this run (moto, s3s-fs).
    if [ -n "${STRATA_S3_PIDS:-}" ]; then
        # shellcheck disable=SC2086
        kill $STRATA_S3_PIDS 2>/dev/null || true
    fi
    if [ -n "${STRATA_S3_DIR:-}" ]; then rm -rf "$STRATA_S3_DIR"; fi
    rm -f "$ENV_FILE"
}
trap cleanup EXIT
scripts/setup-test-env.sh > "$ENV_FILE"
# shellcheck disable=SC1090
source "$ENV_FILE"

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast --failure-output final
else
  cargo test --workspace --locked --no-fail-fast
fi

step "doc tests"
cargo test --workspace --locked --doc

echo
echo "all tests passed"
