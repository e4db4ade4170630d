-- The optional second factor of an admin (`access::admins::totp`): a TOTP secret (RFC 6238,
-- base32), in force once confirmed with a first code (`totp_enabled`), and the step of the last
-- code accepted, so no code is accepted twice. Recovery codes are stored as SHA-256 hashes, each
-- spent once (`used_at`, Unix ms).
ALTER TABLE admins ADD COLUMN totp_secret VARCHAR(64) NULL;
ALTER TABLE admins ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE admins ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

CREATE TABLE admin_recovery_codes (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    admin_id   BIGINT      NOT NULL,
    code_hash  VARCHAR(64) NOT NULL,
    used_at    BIGINT      NULL,
    KEY admin_recovery_codes_admin (admin_id, code_hash),
    CONSTRAINT admin_recovery_codes_admin_fk FOREIGN KEY (admin_id) REFERENCES admins (id)
        ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
