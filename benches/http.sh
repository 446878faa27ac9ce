#!/usr/bin/env bash
# Read latency of `pactlog serve` under a constant request rate, on loopback: p50 and p99 of
# GET /v1/agreements/{id} and GET /v1/stats at RATE requests/s (default 2 000; target
# p99 < 5 ms), beside GET /healthz (the server's floor: routing, the middleware and one JSON
# answer, no projection work) with the same generator in the same run.
#
# Load generator: oha (crates.io, installed here with `cargo install oha --locked` if absent).
# With `-q RATE` it schedules requests at a fixed rate whatever the answers do, and with
# `--latency-correction` each latency is measured from the request's scheduled start, so a
# stall counts for every request it delays (no coordinated omission) — as wrk2 does. wrk
# (Debian's, the only one packaged; wrk2 and vegeta are not) is closed-loop and cannot hold
# a rate, and hey's `-q` is a per-worker closed-loop limit.
#
# What it does: builds the release binary, builds a ledger of AGREEMENTS agreements
# (`cargo bench --bench http_ingest -- --populate`: pairings and three-party agreements in
# force, with results, reviews, needs and evaluations, about 9 entries per agreement),
# starts `pactlog serve` on a free loopback port, then for ROUNDS rounds runs each route for
# WARMUP (discarded) and DURATION (measured), and prints p50/p99, the achieved rate and the
# status codes, then the medians and their ratio to /healthz; then each route's service time
# (one connection, closed loop); finally it stops the server with SIGTERM.
#
# Usage: benches/http.sh
#   env: RATE=2000 DURATION=15s WARMUP=3s CONNECTIONS=32 AGREEMENTS=500 ROUNDS=3
#        GENERATOR_THREADS=1 SERVICE_REQUESTS=1000
set -euo pipefail
cd "$(dirname "$0")/.."

RATE=${RATE:-2000}
DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
CONNECTIONS=${CONNECTIONS:-32}
AGREEMENTS=${AGREEMENTS:-500}
ROUNDS=${ROUNDS:-3}
# One generator thread holds 2 000 requests/s easily and leaves the other core to the server.
GENERATOR_THREADS=${GENERATOR_THREADS:-1}
# Requests of the closed-loop service-time measurement, per route.
SERVICE_REQUESTS=${SERVICE_REQUESTS:-1000}
# The oha release these figures were taken with; its JSON output is read below.
OHA_VERSION=${OHA_VERSION:-1.16.0}
# Longest wait for the server to print its address.
START_TIMEOUT_S=120

if ! command -v jq >/dev/null; then
    echo "== installing jq" >&2
    apt-get install -y jq >/dev/null
fi
if ! command -v oha >/dev/null; then
    echo "== installing oha $OHA_VERSION (cargo install oha --locked)" >&2
    # oha needs a TLS backend to build; the system OpenSSL (native-tls) builds quicker than
    # its default (rustls on aws-lc). Only plain HTTP on loopback is used here.
    if ! dpkg -s libssl-dev pkg-config >/dev/null 2>&1; then
        apt-get install -y libssl-dev pkg-config >/dev/null
    fi
    cargo install oha --version "$OHA_VERSION" --locked --no-default-features --features native-tls
fi
echo "load generator: $(oha --version)"

echo "== cargo build --release" >&2
cargo build --release --locked --bin pactlog >&2
work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== populating a ledger with $AGREEMENTS agreements" >&2
cargo bench --locked --bench http_ingest -- --populate "$work/data" "$AGREEMENTS" | tee "$work/populate.txt"
agreement=$(sed -n 's/^agreement //p' "$work/populate.txt")

target/release/pactlog serve --dir "$work/data" --listen 127.0.0.1:0 \
    >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
address=
for _ in $(seq $((START_TIMEOUT_S * 10))); do
    address=$(sed -n 's|^listening on http://||p' "$work/stdout")
    [[ -n "$address" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$address" ]] || { echo "pactlog serve did not start" >&2; exit 1; }
echo "server: http://$address ($(grep -o 'folded [0-9]* entries in [0-9.]* s' "$work/stderr"))"
curl -sf "http://$address/v1/stats" | jq -c '{tree_size, agreements: .agreements.total,
    active: .agreements.by_state.active, results: .results.reported}'

routes=("/healthz" "/v1/agreements/$agreement" "/v1/stats")
# One measurement: prints "route p50_ms p99_ms achieved_rps statuses".
measure() {
    local route=$1 duration=$2
    oha --no-tui --output-format json -z "$duration" -q "$RATE" -c "$CONNECTIONS" \
        --latency-correction --worker-threads "$GENERATOR_THREADS" \
        "http://$address$route" >"$work/oha.json"
    jq -r --arg route "$route" '[$route,
        (.latencyPercentiles.p50 * 1000 | . * 1000 | round / 1000),
        (.latencyPercentiles.p99 * 1000 | . * 1000 | round / 1000),
        (.summary.requestsPerSec | round),
        (.statusCodeDistribution | to_entries | map("\(.key):\(.value)") | join(","))]
        | @tsv' "$work/oha.json"
}

printf 'round\troute\tp50_ms\tp99_ms\trps\tstatuses\n'
for round in $(seq "$ROUNDS"); do
    for route in "${routes[@]}"; do
        measure "$route" "$WARMUP" >/dev/null
        printf '%s\t%s\n' "$round" "$(measure "$route" "$DURATION")"
    done
done | tee "$work/results.tsv"

echo "== medians over $ROUNDS rounds (ratio = route / healthz)"
jq -Rr --slurp '
    split("\n") | map(select(length > 0) | split("\t"))
    | group_by(.[1]) | map({route: .[0][1],
        p50: (map(.[2] | tonumber) | sort | .[length / 2 | floor]),
        p99: (map(.[3] | tonumber) | sort | .[length / 2 | floor]),
        rps: (map(.[4] | tonumber) | sort | .[length / 2 | floor])}) as $rows
    | ($rows | map(select(.route == "/healthz"))[0]) as $floor
    | ["route", "p50_ms", "p99_ms", "rps", "p50/healthz", "p99/healthz"],
      ($rows[] | [.route, .p50, .p99, .rps,
        (.p50 / $floor.p50 * 100 | round / 100), (.p99 / $floor.p99 * 100 | round / 100)])
    | @tsv' "$work/results.tsv"

# What one request costs with nothing queued: one connection, closed loop (the next request
# once the previous is answered), so the mean latency is the service time and 1/mean the
# most one connection gets. A route whose service time × RATE exceeds the cores cannot hold
# RATE at any latency.
echo "== service time: 1 connection, closed loop, $SERVICE_REQUESTS requests"
printf 'route\tmean_ms\trps\n'
for route in "${routes[@]}"; do
    oha --no-tui --output-format json -n "$SERVICE_REQUESTS" -c 1 \
        --worker-threads "$GENERATOR_THREADS" "http://$address$route" >"$work/oha.json"
    jq -r --arg route "$route" '[$route,
        (.summary.average * 1000 | . * 1000 | round / 1000),
        (.summary.requestsPerSec | round)] | @tsv' "$work/oha.json"
done

kill -TERM "$server_pid"
if wait "$server_pid"; then
    echo "server stopped cleanly"
else
    echo "server exited with status $?" >&2
    exit 1
fi
server_pid=
