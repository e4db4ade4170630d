-- Sign-in: the session epoch that ends an admin's sessions, and the row that serialises the
-- throttle's decisions.
--
-- `session_epoch` is bumped by every password change; a session keeps the value it was opened
-- under and is refused once it differs.
ALTER TABLE admins ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- One row every sign-in attempt locks (UPDATE) first in the transaction that counts the recent
-- failures and records the attempt, so concurrent attempts, also of several instances, are decided
-- one after the other. `at`: the newest attempt's time (Unix ms), for information only.
CREATE TABLE admin_login_lock (
    id  BIGINT NOT NULL PRIMARY KEY,
    at  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO admin_login_lock (id, at) VALUES (1, 0);
