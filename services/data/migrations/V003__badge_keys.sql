-- Badge URLs name a project by this key, never by its UUID or API keys.
ALTER TABLE projects ADD COLUMN badge_key uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX projects_badge_key_idx ON projects (badge_key);
