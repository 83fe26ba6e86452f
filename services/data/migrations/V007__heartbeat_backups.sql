-- What a scheduler replica reports of the backup volume (the health
-- document's "backups" section): BackupVolumeState as JSON, NULL when the
-- replica has no backup volume.
ALTER TABLE heartbeats ADD COLUMN backups jsonb;
