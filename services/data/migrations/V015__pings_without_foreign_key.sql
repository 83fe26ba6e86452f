-- Pings are written only by the data service, inside the transaction that
-- holds the check's row lock (FOR UPDATE), so the foreign key's check of
-- every inserted ping (a trigger call and an index probe per row) proves
-- nothing that is not already true; on the ping path it cost about a sixth
-- of PostgreSQL's time. Deleting checks (directly, or with their project)
-- still deletes their pings: one statement-level trigger per DELETE.
ALTER TABLE pings DROP CONSTRAINT pings_check_id_fkey;

CREATE FUNCTION tocsin_delete_pings_of_deleted_checks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM pings p USING deleted_checks d WHERE p.check_id = d.id;
  RETURN NULL;
END
$$;

CREATE TRIGGER checks_delete_their_pings AFTER DELETE ON checks
  REFERENCING OLD TABLE AS deleted_checks
  FOR EACH STATEMENT EXECUTE FUNCTION tocsin_delete_pings_of_deleted_checks();
