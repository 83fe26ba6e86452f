-- Invitation emails: the link's token waits here until the scheduler has
-- mailed it (then it is cleared; only its digest stays), with a lease and a
-- bounded number of attempts.
ALTER TABLE invitations ADD COLUMN mail_token text;
ALTER TABLE invitations ADD COLUMN mail_due timestamptz;
ALTER TABLE invitations ADD COLUMN mail_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX invitations_mail_idx ON invitations (mail_due) WHERE mail_token IS NOT NULL;
