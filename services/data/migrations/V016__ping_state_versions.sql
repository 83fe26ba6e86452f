-- The ping path writes from its own copy of a check's state when it has one
-- (see PingStateCache): its update applies only to rows still at the version
-- the copy was taken from, and this makes the whole transaction fail when
-- any row was not, so that no ping is stored against a state that changed
-- under it. The caller then redoes the batch with a fresh lookup.
CREATE FUNCTION tocsin_expect_rows(got bigint, want bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF got <> want THEN
    RAISE EXCEPTION 'check rows changed since they were cached (% of % current)',
      got, want USING ERRCODE = 'TS001';
  END IF;
END
$$;
