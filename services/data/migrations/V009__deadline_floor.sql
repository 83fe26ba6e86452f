-- Every success ping moves a check's deadline (alert_after). While an index
-- covered alert_after, each of those updates wrote a new entry into every
-- index of the table (no heap-only update possible). The late-check scan now
-- looks checks up by alert_floor instead: a lower bound of alert_after that a
-- ping leaves alone while it still is one (deadlines mostly move later), so
-- ping updates touch no indexed column and stay heap-only. The scan lifts a
-- floor it finds too low to the real deadline, once per deadline rather than
-- once per ping.
--
-- Invariant: whenever alert_after is set and status is not 'down',
-- alert_floor is set and alert_floor <= alert_after. A floor without a
-- deadline is allowed (stale); the scan clears it.
ALTER TABLE checks ADD COLUMN alert_floor timestamptz;
UPDATE checks SET alert_floor = alert_after
  WHERE status <> 'down' AND alert_after IS NOT NULL;
DROP INDEX checks_deadline_idx;
CREATE INDEX checks_floor_idx ON checks (alert_floor)
  WHERE alert_floor IS NOT NULL;
-- Room on each page for the new versions of its rows, so heap-only updates
-- find space where the old version is. Applies to pages written from now on.
ALTER TABLE checks SET (fillfactor = 60);

-- Pings are deleted as fast as they are inserted once checks reach
-- TOCSIN_PINGS_KEPT. With the default thresholds (a fifth of the table) and
-- cost delay, dead rows piled up to several times the live ones under load
-- and every ping got slower: vacuum this table early and unthrottled.
ALTER TABLE pings SET (autovacuum_vacuum_scale_factor = 0.02,
                       autovacuum_vacuum_insert_scale_factor = 0.02,
                       autovacuum_vacuum_cost_delay = 0);
