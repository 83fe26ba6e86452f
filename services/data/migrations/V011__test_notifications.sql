-- "Send a test" from the dashboard: a notification through one channel
-- with no status change and no check behind it. At most one test per
-- channel waits at a time (pressing the button again changes nothing).
ALTER TABLE notifications ALTER COLUMN flip_id DROP NOT NULL;
ALTER TABLE notifications ALTER COLUMN check_id DROP NOT NULL;
ALTER TABLE notifications ADD CONSTRAINT notifications_test_or_change
  CHECK ((flip_id IS NULL) = (check_id IS NULL));
CREATE UNIQUE INDEX notifications_one_test_idx ON notifications (channel_id)
  WHERE flip_id IS NULL AND state = 'pending';
