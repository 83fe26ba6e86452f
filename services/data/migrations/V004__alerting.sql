-- Alert delivery: one notification per status change per channel, written
-- with the change; senders claim them with leases (claimed_by/claim_until),
-- and every attempt is logged.
CREATE TABLE notifications (
  id bigserial PRIMARY KEY,
  flip_id bigint NOT NULL REFERENCES flips (id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  check_id uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
  attempts integer NOT NULL DEFAULT 0,
  -- Due time; while claimed, the end of the lease.
  next_attempt timestamptz NOT NULL,
  claimed_by text,
  created timestamptz NOT NULL,
  finished timestamptz,
  UNIQUE (flip_id, channel_id)
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt)
  WHERE state = 'pending';
CREATE INDEX notifications_check_idx ON notifications (check_id, id);
CREATE INDEX notifications_channel_idx ON notifications (channel_id, id);
CREATE INDEX notifications_created_idx ON notifications (created);

CREATE TABLE notification_attempts (
  notification_id bigint NOT NULL
    REFERENCES notifications (id) ON DELETE CASCADE,
  attempt integer NOT NULL,
  started timestamptz NOT NULL,
  finished timestamptz NOT NULL,
  sender text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('ok', 'retry', 'failed', 'skipped')),
  code integer NOT NULL DEFAULT 0,
  detail text NOT NULL DEFAULT '',
  PRIMARY KEY (notification_id, attempt, sender)
);

-- Flips are no longer the outbox (notifications are); old flips are pruned
-- by age.
DROP INDEX flips_outbox_idx;
CREATE INDEX flips_created_idx ON flips (created);

-- Heartbeats of every replica (component, instance).
CREATE TABLE heartbeats (
  component text NOT NULL,
  instance text NOT NULL,
  started timestamptz NOT NULL,
  seen timestamptz NOT NULL,
  jobs jsonb NOT NULL DEFAULT '[]',
  PRIMARY KEY (component, instance)
);

-- When ping intake (gateway -> data -> PostgreSQL) last worked; one row.
CREATE TABLE intake_state (
  id integer PRIMARY KEY CHECK (id = 1),
  last_seen timestamptz
);
INSERT INTO intake_state (id, last_seen) VALUES (1, NULL);

-- Gaps in ping intake, and how many checks got their grace again.
CREATE TABLE outages (
  id bigserial PRIMARY KEY,
  started timestamptz NOT NULL,
  ended timestamptz NOT NULL,
  checks_given_grace bigint NOT NULL
);

-- Jobs that must run on one replica at a time.
CREATE TABLE job_leases (
  job text PRIMARY KEY,
  holder text NOT NULL,
  until timestamptz NOT NULL
);

-- Opt-in email reports of down checks, per project.
ALTER TABLE projects
  ADD COLUMN report_period text NOT NULL DEFAULT 'off'
    CHECK (report_period IN ('off', 'hourly', 'daily')),
  ADD COLUMN report_next timestamptz;
CREATE INDEX projects_report_idx ON projects (report_next)
  WHERE report_period <> 'off';
