-- Who holds an ACCESS EXCLUSIVE lock on a table of this database, for the message when
-- introspection's lock_timeout runs out: the table, the session's pid, user and application,
-- and its query (shown with its literals blanked and cut short by the reader). PostgreSQL 13
-- to 17.
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname),
       a.pid, a.usename::text,
       a.application_name, a.query
   FROM pg_catalog.pg_locks l
   JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
   JOIN pg_catalog.pg_class c ON c.oid = l.relation
   JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.granted
    AND l.pid <> pg_catalog.pg_backend_pid() AND l.database = (SELECT oid FROM pg_catalog.pg_database
                                                              WHERE datname = pg_catalog.current_database())
  ORDER BY 1, 2
