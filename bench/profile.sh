#!/usr/bin/env bash
# CPU and allocation profile of the end-to-end path: internal/inbox's
# BenchmarkEndToEnd (signed webhook POST → stored → bot step → reply queued
# → sent to the simulator, on PostgreSQL) under go test's profiler. The
# webhook handler, the conversation workers, the outbox and the simulator
# all run in that one test process, so the profile shows the whole path;
# the simulator's and the load's own share is named in the output.
#
#   bench/profile.sh [out-dir] [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out/profile}
n=${2:-3000}
mkdir -p "$out"
db=bench_profile_$$
createdb -h 127.0.0.1 -U postgres "$db"
trap 'dropdb -h 127.0.0.1 -U postgres --if-exists "$db"' EXIT
export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
go test -run '^$' -bench 'BenchmarkEndToEnd$' -benchtime "${n}x" -count 1 \
	-cpuprofile "$out/cpu.pprof" -memprofile "$out/mem.pprof" -o "$out/inbox.test" ./internal/inbox/
echo "== CPU, flat"
go tool pprof -top -nodecount=30 "$out/inbox.test" "$out/cpu.pprof" 2>/dev/null
echo "== CPU, cumulative, our packages and the drivers"
go tool pprof -top -cum -nodecount=60 -focus 'intalos|lib/pq|net/http|encoding/json|entgo' "$out/inbox.test" "$out/cpu.pprof" 2>/dev/null
echo "== allocated bytes, cumulative"
go tool pprof -top -cum -sample_index=alloc_space -nodecount=40 "$out/inbox.test" "$out/mem.pprof" 2>/dev/null
