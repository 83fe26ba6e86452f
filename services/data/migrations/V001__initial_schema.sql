-- Projects own checks and keys. Keys are stored only as SHA-256 digests.
CREATE TABLE projects (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  ping_key text NOT NULL UNIQUE,
  created timestamptz NOT NULL DEFAULT now()
);

-- A key alone finds its project (Prometheus URLs, `api_key` in a body).
CREATE TABLE api_keys (
  digest bytea PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  read_only boolean NOT NULL,
  created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_project_idx ON api_keys (project_id);

CREATE TABLE checks (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  unique_key text NOT NULL UNIQUE,
  badge_key uuid NOT NULL UNIQUE,
  name text NOT NULL DEFAULT '',
  slug text NOT NULL DEFAULT '',
  tags text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  kind text NOT NULL DEFAULT 'simple'
    CHECK (kind IN ('simple', 'cron', 'oncalendar')),
  timeout_s integer NOT NULL DEFAULT 86400,
  grace_s integer NOT NULL DEFAULT 3600,
  schedule text NOT NULL DEFAULT '* * * * *',
  tz text NOT NULL DEFAULT 'UTC',
  -- Stored status; "grace" is never stored, it is computed from the clock.
  status text NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'up', 'down', 'paused')),
  n_pings bigint NOT NULL DEFAULT 0,
  last_ping timestamptz,
  last_start timestamptz,
  last_start_rid uuid,
  last_duration_ms bigint,
  -- When a check that is up turns down unless pinged first.
  alert_after timestamptz,
  manual_resume boolean NOT NULL DEFAULT false,
  methods text NOT NULL DEFAULT '',
  start_kw text NOT NULL DEFAULT '',
  success_kw text NOT NULL DEFAULT '',
  failure_kw text NOT NULL DEFAULT '',
  filter_subject boolean NOT NULL DEFAULT false,
  filter_body boolean NOT NULL DEFAULT false,
  filter_http_body boolean NOT NULL DEFAULT false,
  filter_default_fail boolean NOT NULL DEFAULT false,
  created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checks_project_idx ON checks (project_id, created);
CREATE INDEX checks_project_slug_idx ON checks (project_id, slug);
-- The late-check scan reads only checks that can go down.
CREATE INDEX checks_deadline_idx ON checks (alert_after)
  WHERE status <> 'down' AND alert_after IS NOT NULL;

CREATE TABLE pings (
  id bigserial PRIMARY KEY,
  check_id uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  n bigint NOT NULL,
  created timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('success', 'start', 'fail', 'log', 'ign')),
  scheme text NOT NULL DEFAULT '',
  method text NOT NULL DEFAULT '',
  remote_addr text NOT NULL DEFAULT '',
  user_agent text NOT NULL DEFAULT '',
  exit_status smallint,
  rid uuid,
  duration_ms bigint,
  -- A body is stored inline or as a reference to an object; never both.
  body bytea,
  body_object text,
  body_size integer NOT NULL DEFAULT 0,
  CHECK (body IS NULL OR body_object IS NULL)
);
CREATE INDEX pings_check_n_idx ON pings (check_id, n);

-- Status changes. Also the alert outbox: a sender claims a flip until
-- claim_until, counts attempts, and marks it processed.
CREATE TABLE flips (
  id bigserial PRIMARY KEY,
  check_id uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  created timestamptz NOT NULL,
  old_status text NOT NULL,
  new_status text NOT NULL,
  processed timestamptz,
  claimed_by text,
  claim_until timestamptz,
  attempts integer NOT NULL DEFAULT 0
);
CREATE INDEX flips_check_idx ON flips (check_id, created);
CREATE INDEX flips_outbox_idx ON flips (id) WHERE processed IS NULL;

-- Times cross the wire as microseconds since the Unix epoch: exact, and NULL
-- in gives NULL out.
CREATE FUNCTION tocsin_from_micros(bigint) RETURNS timestamptz
  LANGUAGE sql STABLE STRICT
  AS $$ SELECT 'epoch'::timestamptz + $1 * interval '1 microsecond' $$;
CREATE FUNCTION tocsin_micros(timestamptz) RETURNS bigint
  LANGUAGE sql STABLE STRICT
  AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;
