-- Admin accounts of the panel and their sign-in log. Times are Unix milliseconds (UTC).
CREATE TABLE admins (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    username        TEXT    NOT NULL UNIQUE,
    password_hash   TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    last_login_at   INTEGER
);

CREATE TABLE admin_login_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    username    TEXT    NOT NULL,
    ip          TEXT    NOT NULL,
    user_agent  TEXT    NOT NULL,
    result      TEXT    NOT NULL
);
CREATE INDEX admin_login_log_user_at ON admin_login_log (username, at);
CREATE INDEX admin_login_log_ip_at   ON admin_login_log (ip, at);
CREATE INDEX admin_login_log_at      ON admin_login_log (at);
