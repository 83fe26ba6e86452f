-- The health document counts notifications given up in the last day.
CREATE INDEX notifications_failed_idx ON notifications (finished)
  WHERE state = 'failed';
