-- Sign-in: the session epoch that ends an admin's sessions, and the row that serialises the
-- throttle's decisions.
--
-- `session_epoch` is bumped by every password change; a session keeps the value it was opened
-- under and is refused once it differs.
ALTER TABLE admins ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

-- One row every sign-in attempt locks (UPDATE) first in the transaction that counts the recent
-- failures and records the attempt, so concurrent attempts, also of several instances, are decided
-- one after the other. `at`: the newest attempt's time (Unix ms), for information only.
CREATE TABLE admin_login_lock (
    id  INTEGER PRIMARY KEY,
    at  INTEGER NOT NULL
);
INSERT INTO admin_login_lock (id, at) VALUES (1, 0);
