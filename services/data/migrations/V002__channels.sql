-- Integrations ("channels") of a project, and which checks use them. The
-- alerting work adds delivery; kinds are Healthchecks' strings.
CREATE TABLE channels (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  name text NOT NULL DEFAULT '',
  kind text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}',
  created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channels_project_idx ON channels (project_id, created);

CREATE TABLE check_channels (
  check_id uuid NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
  PRIMARY KEY (check_id, channel_id)
);
CREATE INDEX check_channels_channel_idx ON check_channels (channel_id);
