#!/usr/bin/env bash
# Measures what the DDL audit trail adds to each DDL statement: pgbench runs the same DDL
# (CREATE TABLE and DROP TABLE, so ddl_command_end and sql_drop both fire; or, with
# STATEMENT=comment, a cheap COMMENT ON TABLE, where the trail's share shows best) with the audit event
# triggers disabled and enabled, in alternating rounds so that other load on the machine hits
# both alike, and prints the median latency per statement of each and the difference. Needs
# pgbench and psql, a superuser URL and a database nothing else uses; the trail is installed by
# `schemagit audit install` and removed afterwards.
# Usage: bench/audit-overhead.sh 'postgresql://postgres@localhost/bench' [rounds, default 7] [transactions per round, default 1000]
set -euo pipefail
url=$1
rounds=${2:-7}
transactions=${3:-1000}
schemagit=${SCHEMAGIT:-$(dirname "$0")/../target/release/schemagit}
script=$(mktemp)
trap 'rm -f "$script"; "$schemagit" audit uninstall --database-url "$url" >/dev/null 2>&1 || true' EXIT
if [ "${STATEMENT:-table}" = comment ]; then
  psql "$url" -qAt -c 'SET client_min_messages = warning' -c 'CREATE TABLE IF NOT EXISTS audit_bench_c (id bigint)'
  printf '%s\n' "COMMENT ON TABLE audit_bench_c IS 'a';" "COMMENT ON TABLE audit_bench_c IS 'b';" >"$script"
else
  printf '%s\n' 'CREATE TABLE audit_bench_t (id bigint, name text);' 'DROP TABLE audit_bench_t;' >"$script"
fi

# Mean latency of one statement in one round, in ms (two statements per transaction). Commits
# do not wait for the disk, whose flush time would drown the difference.
per_statement() {
  PGOPTIONS='-c synchronous_commit=off' pgbench -n -c 1 -t "$transactions" -f "$script" "$url" 2>/dev/null |
    awk '/latency average/ {printf "%.4f\n", $4 / 2}'
}

triggers() {
  psql "$url" -qAt -v ON_ERROR_STOP=1 \
    -c "ALTER EVENT TRIGGER schemagit_audit_ddl $1" \
    -c "ALTER EVENT TRIGGER schemagit_audit_drop $1" \
    -c "ALTER EVENT TRIGGER schemagit_audit_rewrite $1"
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

"$schemagit" audit install --database-url "$url" >/dev/null
per_statement >/dev/null # warm the caches
off=() on=()
for _ in $(seq "$rounds"); do
  triggers DISABLE
  off+=("$(per_statement)")
  triggers ENABLE
  on+=("$(per_statement)")
done
without=$(printf '%s\n' "${off[@]}" | median)
with=$(printf '%s\n' "${on[@]}" | median)
logged=$(psql "$url" -qAt -c 'SELECT count(*) FROM schemagit.schema_drift_log')
echo "audit triggers disabled: $without ms per DDL statement (median of $rounds rounds of $transactions transactions)"
echo "audit triggers enabled:  $with ms per DDL statement ($logged events logged)"
awk -v a="$without" -v b="$with" 'BEGIN {printf "added:                   %.4f ms per DDL statement\n", b - a}'
