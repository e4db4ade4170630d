-- The optional second factor of an admin (`access::admins::totp`): a TOTP secret (RFC 6238,
-- base32), in force once confirmed with a first code (`totp_enabled`), and the step of the last
-- code accepted, so no code is accepted twice. Recovery codes are stored as SHA-256 hashes, each
-- spent once (`used_at`, Unix ms).
ALTER TABLE admins ADD COLUMN totp_secret TEXT;
ALTER TABLE admins ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE admins ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE admin_recovery_codes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    admin_id   INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER
);
CREATE INDEX admin_recovery_codes_admin ON admin_recovery_codes (admin_id, code_hash);
