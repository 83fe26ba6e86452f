-- API keys get an id and a label, so that the dashboard can list and revoke
-- them without ever holding the key itself.
ALTER TABLE api_keys ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE api_keys ADD CONSTRAINT api_keys_id_key UNIQUE (id);
ALTER TABLE api_keys ADD COLUMN label text NOT NULL DEFAULT '';
