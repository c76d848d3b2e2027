#!/usr/bin/env bash
# The whole test suite of Strata, from a fresh clone:
#   - installs what the tests need (a Python virtualenv with pypaimon 2.1.0 and pypaimon-rust
#     0.4.0, the Java Paimon 0.9 judge's jars) and starts/stops the servers they use,
#   - checks formatting and lints,
#   - runs every Rust test (unit, property, model, interop with both judges, CLI golden tests).
#
# Environment:
#   STRATA_TARGET_DIR  cargo target directory to reuse between runs (default: ./target)
#   STRATA_LONG=1      also run the long variants of the model / crash / fault tests
#   STRATA_SEED=N      replay a seeded random test
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
export CARGO_TARGET_DIR=${STRATA_TARGET_DIR:-$ROOT/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

step "test environment (pypaimon venv, Java judge)"
ENV_FILE=$(mktemp)
trap 'rm -f "$ENV_FILE"' EXIT
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
