#!/usr/bin/env bash
# The benchmark: schemagit beside the catalog floor, pg_dump --schema-only and (where
# installed) migra, on a generated workload, in alternating rounds; prints each step's median
# wall time, its ratio to the floor and to pg_dump, and the client's peak memory.
#
# Usage:
#   bench/run.sh [--url URL] [--tables N] [--schemas K] [--runs R] [--catalog-floor FILE]
#   bench/run.sh --fleet [--url URL] [--databases N] [--tables M] [--jobs J]
#
# --url      a server to load the workload into (a database on it, e.g. postgresql://u@host/postgres);
#            without it a throwaway PostgreSQL is started from the server binaries
#            (/usr/lib/postgresql/*/bin, or PG_BIN) and removed afterwards
# --tables   tables of the workload (default 10000; --fleet: tables per tenant, default 50)
# --schemas  schemas of the workload (default tables / 100, at least 1)
# --runs     alternating rounds (default 5)
# --catalog-floor  another floor to time beside schemagit's own: a file of bulk catalog queries
#            (such as a standard benchmark's catalog_floor.sql) run through one psql session
# --fleet    N tenant databases (--databases, default 200) of M tables each; times one
#            `snapshot --databases 'tenant_*'` into a fresh repository and samples the
#            connections it holds (pg_stat_activity)
#
# The workload database (schemagit_bench_<tables>, or schemagit_tenant_<tables> and its copies tenant_*)
# is loaded once and kept on a given server, so a rerun skips the load: drop them to reload. Needs python3, psql, pg_dump, git and cargo.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
url=""
tables=""
schemas=""
runs=5
fleet=false
databases=200
jobs=""
catalog_floor=""
while [ $# -gt 0 ]; do
  case $1 in
    --url) url=$2; shift 2 ;;
    --tables) tables=$2; shift 2 ;;
    --schemas) schemas=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --fleet) fleet=true; shift ;;
    --databases) databases=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --catalog-floor) catalog_floor=$(realpath "$2"); shift 2 ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 3 ;;
  esac
done
if $fleet; then tables=${tables:-50}; else tables=${tables:-10000}; fi
schemas=${schemas:-$(( tables / 100 > 0 ? tables / 100 : 1 ))}

work=$(mktemp -d)
server_dir=""
cleanup() {
  if [ -n "$server_dir" ]; then
    as_server "$pg_bin/pg_ctl" -D "$server_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$server_dir"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# initdb and postgres refuse root: run them as postgres (or nobody) then.
as_server() {
  if [ "$(id -u)" = 0 ]; then
    local user=postgres
    id postgres >/dev/null 2>&1 || user=nobody
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

if [ -z "$url" ]; then
  pg_bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
  [ -x "$pg_bin/initdb" ] || { echo "bench/run.sh: no PostgreSQL server binaries (set PG_BIN or give --url)" >&2; exit 7; }
  server_dir=$(mktemp -d /tmp/schemagit-bench.XXXXXX)
  chmod 755 "$server_dir"
  [ "$(id -u)" = 0 ] && chown "$(id -u postgres 2>/dev/null || id -u nobody)" "$server_dir"
  port=$(( 20000 + RANDOM % 20000 ))
  as_server "$pg_bin/initdb" -D "$server_dir/data" -A trust -U postgres >/dev/null
  as_server "$pg_bin/pg_ctl" -D "$server_dir/data" -l "$server_dir/log" -w \
    -o "-k $server_dir -p $port -c listen_addresses='' -c max_connections=200" start >/dev/null
  url="postgresql://postgres@localhost/postgres?host=$server_dir&port=$port"
  echo "throwaway PostgreSQL at $server_dir, port $port"
fi
# The same server, another database.
database_url() {
  python3 - "$url" "$1" <<'PY'
import sys, urllib.parse as u
parts = u.urlsplit(sys.argv[1])
print(u.urlunsplit(parts._replace(path="/" + sys.argv[2])))
PY
}
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" "$@"; }
exists() { [ "$(sql -c "SELECT count(*) FROM pg_database WHERE datname = '$1'")" = 1 ]; }
load() {
  local name=$1 tables=$2 schemas=$3
  sql -c "CREATE DATABASE $name"
  python3 "$here/gen_workload.py" --tables "$tables" --schemas "$schemas" > "$work/workload.sql"
  psql -X -q -v ON_ERROR_STOP=1 -d "$(database_url "$name")" -f "$work/workload.sql" >/dev/null
}

# The catalog floor: every bulk query a complete read of a PostgreSQL 15 database runs, taken
# from src/catalog/sql/ (columns.sql's version slots filled in as for 15, view_definitions.sql
# over every view at once), in one read-only REPEATABLE READ transaction on one session, rows
# thrown away: the server's share of a snapshot, which parsing rows, encoding files and
# committing come on top of.
floor_sql() {
  local queries=$root/src/catalog/sql
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
  for name in schemas relations columns constraints indexes policies triggers rules statistics \
              sequences functions aggregates types extensions extension_members collations casts \
              operators text_search event_triggers publications_15 foreign_data \
              default_privileges settings languages subscriptions view_definitions; do
    echo "-- $name.sql"
    sed -e "s/{statistics}/NULLIF(a.attstattarget::int, -1)/" \
        -e "s/{compression}/NULLIF(a.attcompression::text, '')/" \
        -e "s/c\.oid = ANY (\$1::pg_catalog\.oid\[\])/c.relkind IN ('v', 'm') AND c.oid >= 16384/" \
        "$queries/$name.sql"
    echo ";"
  done
  echo "COMMIT;"
}
floor_sql > "$work/catalog_floor.sql"

echo "building schemagit (release)"
(cd "$root" && cargo build --release --quiet)
schemagit=${CARGO_TARGET_DIR:-$root/target}/release/schemagit
export GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@localhost \
  GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@localhost

# A new repository in a new folder: the rounds' repositories stay until the end, since
# deleting tens of thousands of files right before creating as many again makes each create
# slow on ext4 (its inode allocator skips recently deleted inodes), which would be timed too.
fresh_repo() {
  git init -q "$1" && git -C "$1" commit -q --allow-empty -m start
}

# Runs a command with its output thrown away; prints "seconds peak-KiB".
measure() {
  local start end peak
  start=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$work/peak" "$@" >/dev/null 2>"$work/stderr" || check_exit $?
    peak=$(tail -1 "$work/peak")
  else
    "$@" >/dev/null 2>"$work/stderr" &
    local pid=$! rss
    peak=0
    while kill -0 "$pid" 2>/dev/null; do
      rss=$(ps -o rss= -p "$pid" 2>/dev/null | tr -d ' ')
      [ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
      sleep 0.02
    done
    wait "$pid" || check_exit $?
  fi
  end=$(date +%s.%N)
  echo "$(echo "$end - $start" | bc) $peak"
}
# The exit codes that are not failures: schemagit diff exits 1 or 2 for the changes it
# finds (3 or above is a failure); migra exits 2 for differences and 1 for an error.
ok_exits="0 1 2"
check_exit() {
  if [[ " $ok_exits " != *" $1 "* ]]; then
    echo "bench/run.sh: a measured command failed (exit $1):" >&2
    cat "$work/stderr" >&2
    exit "$1"
  fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if $fleet; then
  template=schemagit_tenant_$tables
  if ! exists "$template"; then
    echo "loading the tenant schema: $tables tables"
    load "$template" "$tables" 1
  fi
  if exists tenant_0001; then
    held=$(psql -X -q -A -t -d "$(database_url tenant_0001)" -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
    [ "$held" = "$tables" ] || { echo "bench/run.sh: the tenant_* databases hold $held tables, not $tables: drop them first" >&2; exit 3; }
  fi
  for i in $(seq -f %04g 1 "$databases"); do
    exists "tenant_$i" || sql -c "CREATE DATABASE tenant_$i TEMPLATE $template"
  done
  repo=$work/fleet
  fresh_repo "$repo"
  sql -c "SELECT 1" >/dev/null
  (
    peak=0
    while [ ! -e "$work/done" ]; do
      n=$(sql -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'schemagit'")
      [ "$n" -gt "$peak" ] && peak=$n && echo "$peak" > "$work/connections"
      sleep 0.1
    done
  ) &
  sampler=$!
  args=(snapshot --repo "$repo" --database-url "$url" --databases 'tenant_*')
  [ -n "$jobs" ] && args+=(--jobs "$jobs")
  read -r seconds peak < <(measure "$schemagit" "${args[@]}")
  touch "$work/done"
  wait "$sampler"
  printf 'fleet: %s databases of %s tables: %.1f s, peak %s connections, client peak %d MiB\n' \
    "$databases" "$tables" "$seconds" "$(cat "$work/connections" 2>/dev/null || echo 0)" $(( peak / 1024 ))
  exit 0
fi

name=schemagit_bench_$tables
if ! exists "$name"; then
  echo "loading $tables tables in $schemas schemas into $name"
  load "$name" "$tables" "$schemas"
fi
db=$(database_url "$name")
steps=(floor)
if [ -n "$catalog_floor" ]; then
  [ -r "$catalog_floor" ] || { echo "bench/run.sh: cannot read --catalog-floor $catalog_floor" >&2; exit 3; }
  steps+=(catalog_floor)
fi
steps+=(pg_dump snapshot_fresh snapshot_unchanged snapshot_one_change diff verify)
migra=$(command -v migra || true)
[ -n "$migra" ] && steps+=(migra)
[ -z "$migra" ] && echo "migra not found: pip install migra 'psycopg[binary]' to time it as well"
# hyperfine times one command at a time; the steps here alternate round by round, so that a
# busy moment of a shared machine spreads over all of them.
table=$(sql -d "$db" -c "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' ORDER BY 1 LIMIT 1")

# A file of catalog queries through one psql session, rows thrown away.
through_psql() { measure psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" -f "$1" -o /dev/null; }

run_step() {
  case $1 in
    floor) through_psql "$work/catalog_floor.sql" ;;
    catalog_floor) through_psql "$catalog_floor" ;;
    pg_dump) measure pg_dump --schema-only -d "$db" -f /dev/null ;;
    snapshot_fresh) repo=$work/repo.$round; fresh_repo "$repo"; measure "$schemagit" snapshot --repo "$repo" --database-url "$db" ;;
    snapshot_unchanged) measure "$schemagit" snapshot --repo "$repo" --database-url "$db" ;;
    snapshot_one_change)
      psql -X -q -d "$db" -c "ALTER TABLE $table ADD COLUMN bench_round_$round int"
      measure "$schemagit" snapshot --repo "$repo" --database-url "$db" ;;
    diff) (cd "$repo" && measure "$schemagit" diff HEAD~1 HEAD) ;;
    verify) (cd "$repo" && measure "$schemagit" verify) ;;
    migra) ok_exits="0 2" measure "$migra" --unsafe "$db" "$db" ;;
  esac
}

echo "$runs alternating rounds: ${steps[*]}"
for round in $(seq 1 "$runs"); do
  for step in "${steps[@]}"; do
    run_step "$step" >> "$work/$step"
  done
  psql -X -q -d "$db" -c "ALTER TABLE $table DROP COLUMN IF EXISTS bench_round_$round"
  echo "round $round done"
done

floor=$(cut -d' ' -f1 "$work/floor" | median)
dump=$(cut -d' ' -f1 "$work/pg_dump" | median)
# With --catalog-floor, each step's ratio to that floor too.
other=""
[ -n "$catalog_floor" ] && other=$(cut -d' ' -f1 "$work/catalog_floor" | median)
echo
echo "$tables tables, $schemas schemas, $(nproc) cores, $(date -u +%Y-%m-%d), median of $runs"
[ -n "$other" ] && echo "catalog_floor: $catalog_floor"
printf '%-22s %9s %9s %9s' step seconds /floor /pg_dump
[ -n "$other" ] && printf ' %14s' /catalog_floor
printf ' %10s\n' 'peak MiB'
for step in "${steps[@]}"; do
  seconds=$(cut -d' ' -f1 "$work/$step" | median)
  peak=$(cut -d' ' -f2 "$work/$step" | sort -n | tail -1)
  printf '%-22s %9.2f %9.2f %9.2f' "$step" "$seconds" \
    "$(echo "$seconds / $floor" | bc -l)" "$(echo "$seconds / $dump" | bc -l)"
  [ -n "$other" ] && printf ' %14.2f' "$(echo "$seconds / $other" | bc -l)"
  printf ' %10d\n' $(( peak / 1024 ))
done
