-- Pings by slug (a project's ping key and a check's slug) may take the ping
-- state cache's short way: the cache keeps which check a (ping key, slug)
-- named, and trusts that only while the project's row is still the version
-- it was read at (its xmin). A new ping key changes that row. A check that
-- starts to share another's slug does not change the other check's row, so
-- every check that takes a slug in a project (inserted, renamed, moved)
-- counts in the project's row here, whichever way it was written.
ALTER TABLE projects ADD COLUMN slug_changes bigint NOT NULL DEFAULT 0;

-- Once per project and transaction: a row this transaction already changed
-- is a new version for everyone else, and updating it again for each check
-- of a bulk change would walk an ever longer chain of its own versions.
CREATE FUNCTION tocsin_count_new_checks_slugs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE projects SET slug_changes = slug_changes + 1
    WHERE id IN (SELECT project_id FROM new_checks)
      AND xmin <> pg_current_xact_id()::xid;
  RETURN NULL;
END
$$;

-- Per statement, so that a bulk insert touches each project once.
CREATE TRIGGER checks_count_new_slugs AFTER INSERT ON checks
  REFERENCING NEW TABLE AS new_checks
  FOR EACH STATEMENT EXECUTE FUNCTION tocsin_count_new_checks_slugs();

CREATE FUNCTION tocsin_count_changed_slug() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE projects SET slug_changes = slug_changes + 1
    WHERE id IN (OLD.project_id, NEW.project_id)
      AND xmin <> pg_current_xact_id()::xid;
  RETURN NULL;
END
$$;

-- Only updates that name the slug or the project, and only when one of them
-- changes: the ping path's updates name neither.
CREATE TRIGGER checks_count_changed_slugs
  AFTER UPDATE OF slug, project_id ON checks
  FOR EACH ROW
  WHEN (OLD.slug IS DISTINCT FROM NEW.slug
        OR OLD.project_id IS DISTINCT FROM NEW.project_id)
  EXECUTE FUNCTION tocsin_count_changed_slug();

-- The same check serves the projects a cached batch named by slug.
CREATE OR REPLACE FUNCTION tocsin_expect_rows(got bigint, want bigint)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF got <> want THEN
    RAISE EXCEPTION 'rows changed since they were cached (% of % current)',
      got, want USING ERRCODE = 'TS001';
  END IF;
END
$$;
