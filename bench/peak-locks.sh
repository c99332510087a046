#!/usr/bin/env bash
# Measures the most relation locks one schemagit read holds at once, against a database that
# holds a workload (e.g. the 10,000-table schema): a second session samples pg_locks every 2 ms
# while `schemagit snapshot --dry-run` reads the catalog. Needs psql and an otherwise idle
# server. Usage: bench/peak-locks.sh 'postgresql://…/bench10k' [seconds to sample, default 30]
set -euo pipefail
url=$1
seconds=${2:-30}
schemagit=${SCHEMAGIT:-$(dirname "$0")/../target/release/schemagit}
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
git -C "$repo" init -q

psql "$url" -qAt -v ON_ERROR_STOP=1 <<SQL &
DO \$\$
DECLARE
  peak int := 0;
  held int;
  deadline timestamptz := clock_timestamp() + interval '$seconds seconds';
BEGIN
  WHILE clock_timestamp() < deadline LOOP
    SELECT coalesce(max(n), 0) INTO held
      FROM (SELECT count(*) AS n FROM pg_locks
             WHERE locktype = 'relation' AND pid <> pg_backend_pid() GROUP BY pid) per_backend;
    peak := greatest(peak, held);
    PERFORM pg_sleep(0.002);
  END LOOP;
  RAISE NOTICE 'peak relation locks held by one backend: %', peak;
END
\$\$;
SQL
sampler=$!
sleep 0.5
/usr/bin/time -f 'schemagit: %e s wall, %M KiB peak' \
  "$schemagit" snapshot --dry-run --repo "$repo" --database-url "$url" >/dev/null
wait "$sampler"
