# Concurrent reads of the data API and the operations overview beside /healthz, in the same run:
# a release `egov demo` on loopback (five years of synthetic reports of every province), on SQLite
# and, when PG_URL is set, on PostgreSQL; then wrk with 2 threads and 50 connections on each URL.
# Prints req/s, p50 and p99, and the server's memory. Sourced by scripts/bench; ROOT and WORK are
# set.
#   EGOV_BENCH_READS_SECONDS  seconds per URL (default 10)
#   EGOV_BENCH_READS_QUERY    the data API query (default: 3 indicators × 3 periods, national)
egov_bench_reads() {
    egov_bench_reads_on "SQLite" ""
    if [ -n "${PG_URL:-}" ]; then
        psql "$PG_URL" -qc "DROP DATABASE IF EXISTS egov_reads" -c "CREATE DATABASE egov_reads" >/dev/null
        egov_bench_reads_on "PostgreSQL" "${PG_URL%/*}/egov_reads"
    fi
}

# egov_bench_reads_on LABEL DATABASE_URL (empty: the demo's own SQLite file)
egov_bench_reads_on() {
    local label=$1 dburl=$2
    if ! command -v wrk >/dev/null; then
        echo "installing wrk (Debian) …"
        apt-get install -y wrk >/dev/null
    fi
    cargo build --release -p egov --quiet
    local secs=${EGOV_BENCH_READS_SECONDS:-10}
    local query=${EGOV_BENCH_READS_QUERY:-/api/v1/data?indicator=RETAIL_SALES,EXPORTS,CPI&unit=VN&period=202509,2025Q3,2024}
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    local base="http://127.0.0.1:$port"
    local data="$WORK/demo-$label"
    if [ -n "$dburl" ]; then
        EGOV_DATABASE_URL="$dburl" EGOV_DB_MAX_CONNECTIONS=16 \
            "$ROOT/target/release/egov" demo --listen "127.0.0.1:$port" --data "$data" \
            >"$WORK/demo.log" 2>&1 &
    else
        "$ROOT/target/release/egov" demo --listen "127.0.0.1:$port" --data "$data" \
            >"$WORK/demo.log" 2>&1 &
    fi
    local pid=$!
    local waited=0
    until curl -fs "$base/readyz" >/dev/null 2>&1; do
        sleep 1
        waited=$((waited + 1))
        if [ $waited -gt 900 ] || ! kill -0 $pid 2>/dev/null; then
            echo "the demo server did not start:"; tail -20 "$WORK/demo.log"; kill $pid 2>/dev/null || true
            return 1
        fi
    done
    # The demo answers as it will under load (a warm cache).
    curl -fs "$base$query" >/dev/null
    curl -fs "$base/api/v1/operations/overview" >/dev/null
    mem() { awk '/^VmRSS|^VmHWM/ {printf "%s %d MiB  ", $1, $2/1024}' "/proc/$pid/status"; }
    echo
    echo "concurrent reads on $label: wrk -t2 -c50 -d${secs}s --latency (release egov demo, $(nproc) cores, loopback)"
    echo "server memory at start: $(mem)"
    printf '%-62s %12s %10s %10s %8s\n' "url" "req/s" "p50" "p99" "non-2xx"
    local url out
    for url in "/healthz" "$query" "/api/v1/operations/overview"; do
        out=$(wrk -t2 -c50 -d"${secs}s" --latency "$base$url")
        printf '%-62s %12s %10s %10s %8s\n' "${url:0:62}" \
            "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" \
            "$(awk '$1 == "50%" {print $2}' <<<"$out")" \
            "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
            "$(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)"
    done
    echo "server memory after: $(mem)"
    # The overview's page weight: the page and what it loads (egov does not compress responses
    # itself; a reverse proxy does — gzip -9 stands in for it).
    local total=0 gz=0 part
    for part in /operations /assets/egov.css /assets/egov.js /assets/vendor/htmx.min.js /assets/favicon.svg; do
        curl -fs "$base$part" -o "$WORK/part"
        total=$((total + $(wc -c <"$WORK/part")))
        gz=$((gz + $(gzip -9c "$WORK/part" | wc -c)))
    done
    echo "overview page weight: $((total / 1024)) KiB, $((gz / 1024)) KiB gzip-compressed (page, CSS, JS, htmx, icon)"
    if [ -z "$dburl" ]; then
        # Live fan-out: 1,000 displays on this node, one change written by another connection.
        python3 "$ROOT/scripts/lib/bench_live.py" "$base" "$data/egov.db" 1000
        echo "server memory after the 1,000 streams (VmHWM: the peak): $(mem)"
    fi
    kill $pid
    wait $pid 2>/dev/null || true
}
