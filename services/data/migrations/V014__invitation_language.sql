-- The language of an invitation's email: the inviting page's.
ALTER TABLE invitations ADD COLUMN mail_language text NOT NULL DEFAULT '';
