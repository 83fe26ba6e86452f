-- pgbench ceiling for ping ingest: one transaction per ping that updates the
-- check and inserts the ping. Kept fixed so later optimisations are measured
-- against the same ceiling. Needs bench_check_ids(k, id) and -D nchecks=N.
\set k random(1, :nchecks)
BEGIN;
UPDATE checks SET n_pings = n_pings + 1, last_ping = now()
  WHERE id = (SELECT id FROM bench_check_ids WHERE k = :k);
INSERT INTO pings (check_id, n, created, kind, method)
  SELECT id, n_pings, now(), 'success', 'GET' FROM checks
  WHERE id = (SELECT id FROM bench_check_ids WHERE k = :k);
END;
