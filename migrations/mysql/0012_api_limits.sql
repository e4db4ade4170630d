-- Limits per API user (`access::limits`): one row per limit set; no row, no limit. Names:
-- requests_per_minute, requests_per_minute:<module.method>, calls_per_day, sms_parts_per_day,
-- sms_parts_per_month.
CREATE TABLE api_limits (
    user_id  BIGINT       NOT NULL,
    name     VARCHAR(100) NOT NULL,
    value    BIGINT       NOT NULL,
    PRIMARY KEY (user_id, name),
    CONSTRAINT api_limits_user_fk FOREIGN KEY (user_id) REFERENCES api_users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- What every instance together admitted per (user, limit, window): added to by each instance's
-- sync (`limits::store`), read by the window's end. Windows are Unix ms, `[win_start, win_end)`.
CREATE TABLE limit_counters (
    user_id    BIGINT       NOT NULL,
    name       VARCHAR(100) NOT NULL,
    win_start  BIGINT       NOT NULL,
    win_end    BIGINT       NOT NULL,
    used       BIGINT       NOT NULL,
    PRIMARY KEY (user_id, name, win_start),
    KEY limit_counters_end (win_end)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
