#!/usr/bin/env bash
# Runs every benchmark once, one after the other, each printing its machine
# line, per-round figures and a Markdown table of medians. Output goes to
# the folder given as the first argument (default: ./bench-out).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench-out}
mkdir -p "$out"
run() {
	local name=$1
	shift
	echo "== $name: go run $*"
	go run "$@" 2>&1 | tee "$out/$name.txt"
}
run webhookack-postgres ./bench/cmd/webhookack -db postgres
run webhookack-sqlite ./bench/cmd/webhookack -db sqlite
run e2e-postgres-1 ./bench/cmd/e2e -db postgres -instances 1
run e2e-postgres-2 ./bench/cmd/e2e -db postgres -instances 2
run e2e-sqlite-1 ./bench/cmd/e2e -db sqlite
run gqlreads-postgres ./bench/cmd/gqlreads -db postgres
run subfanout-postgres ./bench/cmd/subfanout -db postgres
