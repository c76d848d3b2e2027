#!/usr/bin/env bash
# Sets up what Strata's interoperability tests need, and prints the variables they read.
#
#   eval "$(scripts/setup-test-env.sh)"              # set up, then export the variables
#   scripts/setup-test-env.sh --env-file FILE        # also write the export lines to FILE
#   scripts/setup-test-env.sh --no-java              # skip warming the Java judge
#   scripts/setup-test-env.sh --no-s3                # do not install or start the S3 servers
#
# Idempotent; run it before every test run (a second run takes a few seconds):
#   * a Python virtualenv at ${STRATA_TEST_VENV:-$HOME/.cache/strata/venv-test} (outside the
#     clone, so CI runs on the same machine reuse it) with pypaimon 2.1.0, pypaimon-rust 0.4.0,
#     pyarrow and their dependencies at pinned versions; `pip install` runs every time;
#   * the Java judge (judge/paimon-judge, Java Paimon 0.9) warmed with `selftest`: the first
#     run downloads its jars into ${PAIMON_JUDGE_CACHE:-$HOME/.cache/paimon-judge} (~25 s);
#     java/javac come from Debian's openjdk-17-jdk-headless when missing and we are root.
#   * two S3-protocol servers on 127.0.0.1, each with a bucket `strata` (credentials test/test),
#     STARTED in the background (free ports, logs and data in a fresh directory); whoever
#     runs this script stops them: `kill $STRATA_S3_PIDS` (scripts/test.sh does, on exit):
#       - moto 5.2.5 in server mode (in memory, atomic conditional puts: the commit-race tests),
#         from a virtualenv at ${STRATA_MOTO_VENV:-$HOME/.cache/strata/venv-moto};
#       - s3s-fs 0.14.1 (objects as files; its conditional put is not race-safe: functional
#         storage tests only), `cargo install`ed into ${STRATA_TOOLS_ROOT:-$HOME/.local}
#         (~90 s the first time).
#
# Progress goes to stderr; stdout carries only the export lines:
#   STRATA_TEST_PYTHON     the virtualenv's python (runs tests/interop/pyjudge.py)
#   STRATA_JUDGE           absolute path of judge/paimon-judge
#   STRATA_REQUIRE_JUDGES  1: tests fail instead of skipping when a judge or server is missing
#   STRATA_S3_MOTO         http://127.0.0.1:PORT of moto (bucket `strata`)
#   STRATA_S3_MOTO_LOG     moto's request log (shows ranged GETs and multipart uploads)
#   STRATA_S3_FS           http://127.0.0.1:PORT of s3s-fs (bucket `strata`)
#   STRATA_S3_FS_ROOT      the directory s3s-fs stores objects in
#   STRATA_S3_PIDS         process ids of the two servers (to stop them)
#   STRATA_S3_DIR          the servers' scratch directory (logs, s3s-fs objects; remove it after)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${STRATA_TEST_VENV:-$HOME/.cache/strata/venv-test}"
ENV_FILE=""
WARM_JAVA=1
START_S3=1

while [ $# -gt 0 ]; do
    case "$1" in
        --env-file) ENV_FILE="${2:?--env-file needs a path}"; shift 2 ;;
        --no-java) WARM_JAVA=0; shift ;;
        --no-s3) START_S3=0; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "setup-test-env: unknown argument '$1'" >&2; exit 2 ;;
    esac
done

log() { echo "setup-test-env: $*" >&2; }

# Exact versions: pypaimon 2.1.0 and pypaimon-rust 0.4.0 are what the tests judge against; the
# rest is what they resolved to (Python 3.11, 2026-11), pinned so every run sees the same code.
REQUIREMENTS="
pypaimon==2.1.0
pypaimon-rust==0.4.0
pyarrow==19.0.1
backports.zstd==1.3.0
cachetools==5.5.2
certifi==2026.10.19.post1
charset-normalizer==3.5.2
cramjam==2.14.0
fastavro==1.13.1
fsspec==2025.12.0
idna==3.20
isal==1.9.1
numpy==2.4.6
packaging==26.3
pandas==2.3.3
polars==1.44.2
polars-runtime-32==1.44.2
pyroaring==1.2.0
python-dateutil==4.0.0
pytz==2026.6
PyYAML==6.0.4
readerwriterlock==1.0.10
requests==2.34.2
typing_extensions==4.16.0
tzdata==2026.6
urllib3==2.8.0
zstandard==0.25.0
"

# --- Python virtualenv -------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    log "creating virtualenv $VENV"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV"
fi
REQ_FILE="$(mktemp)"
trap 'rm -f "$REQ_FILE"' EXIT
printf '%s\n' "$REQUIREMENTS" > "$REQ_FILE"
log "pip install into $VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ_FILE" >&2
"$VENV/bin/python" - >&2 <<'EOF'
import importlib.metadata as md
import pyarrow, pypaimon, pypaimon_rust.datafusion  # noqa: F401 - the imports are the check
for name, want in (("pypaimon", "2.1.0"), ("pypaimon-rust", "0.4.0")):
    have = md.version(name)
    if have != want:
        raise SystemExit("setup-test-env: %s is %s, expected %s" % (name, have, want))
EOF
"$VENV/bin/python" "$ROOT/tests/interop/pyjudge.py" --help >/dev/null

# --- Java judge ------------------------------------------------------------------------------
JUDGE="$ROOT/judge/paimon-judge"
if [ "$WARM_JAVA" = 1 ]; then
    if ! command -v javac >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            log "installing openjdk-17-jdk-headless"
            apt-get update -qq >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless >&2
        else
            log "java/javac not found: install a JDK (11 or newer) for the Java judge"
            exit 1
        fi
    fi
    log "warming the Java judge (first run downloads its jars, ~25 s)"
    "$JUDGE" selftest >&2
fi

# --- S3 servers ------------------------------------------------------------------------------
S3_EXPORTS=""
if [ "$START_S3" = 1 ]; then
    MOTO_VENV="${STRATA_MOTO_VENV:-$HOME/.cache/strata/venv-moto}"
    TOOLS_ROOT="${STRATA_TOOLS_ROOT:-$HOME/.local}"
    if [ ! -x "$MOTO_VENV/bin/python" ] || ! "$MOTO_VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "creating virtualenv $MOTO_VENV"
        rm -rf "$MOTO_VENV"
        mkdir -p "$(dirname "$MOTO_VENV")"
        python3 -m venv "$MOTO_VENV"
    fi
    if ! "$MOTO_VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("moto") != "5.2.5")' >/dev/null 2>&1 \
        || [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
        log "pip install moto[server]==5.2.5 into $MOTO_VENV"
        "$MOTO_VENV/bin/python" -m pip install --quiet --disable-pip-version-check 'moto[server]==5.2.5' >&2
    fi
    S3S_FS="$TOOLS_ROOT/bin/s3s-fs"
    if [ ! -x "$S3S_FS" ] || ! "$S3S_FS" --version 2>/dev/null | grep -q '0\.14\.1'; then
        log "cargo install s3s-fs 0.14.1 into $TOOLS_ROOT (~90 s)"
        cargo install --quiet --locked s3s-fs@0.14.1 --features binary --root "$TOOLS_ROOT" >&2
    fi
    free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    }
    wait_http() { # url: any HTTP answer counts
        for _ in $(seq 1 150); do
            if curl -s -o /dev/null --max-time 1 "$1"; then return 0; fi
            sleep 0.2
        done
        log "no answer from $1"; return 1
    }
    S3_DIR="$(mktemp -d "${TMPDIR:-/tmp}/strata-s3.XXXXXX")"
    MOTO_PORT="$(free_port)"
    nohup "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" \
        > "$S3_DIR/moto.log" 2>&1 < /dev/null &
    MOTO_PID=$!
    FS_PORT="$(free_port)"
    mkdir -p "$S3_DIR/fs/strata"
    nohup "$S3S_FS" --host 127.0.0.1 --port "$FS_PORT" --access-key test --secret-key test \
        "$S3_DIR/fs" > "$S3_DIR/s3s-fs.log" 2>&1 < /dev/null &
    FS_PID=$!
    if ! wait_http "http://127.0.0.1:$MOTO_PORT/" || ! wait_http "http://127.0.0.1:$FS_PORT/"; then
        kill "$MOTO_PID" "$FS_PID" 2>/dev/null || true
        exit 1
    fi
    curl -s -o /dev/null -X PUT "http://127.0.0.1:$MOTO_PORT/strata"
    log "moto on 127.0.0.1:$MOTO_PORT (pid $MOTO_PID), s3s-fs on 127.0.0.1:$FS_PORT (pid $FS_PID), logs in $S3_DIR"
    S3_EXPORTS="
export STRATA_S3_MOTO='http://127.0.0.1:$MOTO_PORT'
export STRATA_S3_MOTO_LOG='$S3_DIR/moto.log'
export STRATA_S3_FS='http://127.0.0.1:$FS_PORT'
export STRATA_S3_FS_ROOT='$S3_DIR/fs'
export STRATA_S3_DIR='$S3_DIR'
export STRATA_S3_PIDS='$MOTO_PID $FS_PID'"
fi

# --- variables ------------------------------------------------------------------------------
EXPORTS="export STRATA_TEST_PYTHON='$VENV/bin/python'
export STRATA_JUDGE='$JUDGE'
export STRATA_REQUIRE_JUDGES=1$S3_EXPORTS"
if [ -n "$ENV_FILE" ]; then
    mkdir -p "$(dirname "$ENV_FILE")"
    printf '%s\n' "$EXPORTS" > "$ENV_FILE"
    log "wrote $ENV_FILE"
fi
printf '%s\n' "$EXPORTS"
