-- Admin accounts of the panel and their sign-in log. Times are Unix milliseconds (UTC).
CREATE TABLE admins (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username        VARCHAR(64)  NOT NULL,
    password_hash   VARCHAR(255) NOT NULL,
    created_at      BIGINT       NOT NULL,
    last_login_at   BIGINT       NULL,
    UNIQUE KEY admins_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE admin_login_log (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          BIGINT       NOT NULL,
    username    VARCHAR(64)  NOT NULL,
    ip          VARCHAR(64)  NOT NULL,
    user_agent  VARCHAR(512) NOT NULL,
    result      VARCHAR(16)  NOT NULL,
    KEY admin_login_log_user_at (username, at),
    KEY admin_login_log_ip_at (ip, at),
    KEY admin_login_log_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
