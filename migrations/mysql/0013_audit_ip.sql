-- The client address an audited change came from: the admin's IP for changes made in the panel,
-- NULL for the command line (and for rows from before this column).
ALTER TABLE audit_log ADD COLUMN ip VARCHAR(64) NULL;
