-- Invitations to a project: a link with a random token (only its SHA-256 is
-- kept) for one address and role, accepted by the user with that address.
CREATE TABLE invitations (
  id uuid PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  email text NOT NULL,
  role text NOT NULL CHECK (role IN ('rw', 'ro')),
  invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created timestamptz NOT NULL,
  expires timestamptz NOT NULL
);
-- One open invitation per address and project: inviting again replaces it.
CREATE UNIQUE INDEX invitations_address_idx ON invitations (project_id, lower(email));
