-- The dashboard's daily totals, replacing `daily_counters` (day x user x module x method x
-- outcome): the dashboard only ever sums that table by user or by method, and at 10 M requests a
-- month a 30-day view could sum 300 000 rows. These two keep one row per day and user and per
-- day and method, each with its counts by outcome (`ok` 2xx/3xx, `bad` 4xx, `error` 5xx), written
-- by the journal writer in the same transaction as the rows. `day` counts days since 1970-01-01 in
-- the configured time zone; user_id 0 and '' stand for "unknown".
-- Every instance of an older version must be stopped before this runs: it would go on writing the
-- dropped table.
CREATE TABLE daily_user_totals (
    day      BIGINT NOT NULL,
    user_id  BIGINT NOT NULL,
    ok       BIGINT NOT NULL,
    bad      BIGINT NOT NULL,
    error    BIGINT NOT NULL,
    PRIMARY KEY (day, user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE daily_method_totals (
    day      BIGINT      NOT NULL,
    module   VARCHAR(32) NOT NULL,
    method   VARCHAR(32) NOT NULL,
    ok       BIGINT      NOT NULL,
    bad      BIGINT      NOT NULL,
    error    BIGINT      NOT NULL,
    PRIMARY KEY (day, module, method)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO daily_user_totals (day, user_id, ok, bad, error)
SELECT day, user_id,
       SUM(CASE WHEN outcome = 'ok' THEN count ELSE 0 END),
       SUM(CASE WHEN outcome = 'bad' THEN count ELSE 0 END),
       SUM(CASE WHEN outcome NOT IN ('ok', 'bad') THEN count ELSE 0 END)
FROM daily_counters GROUP BY day, user_id;

INSERT INTO daily_method_totals (day, module, method, ok, bad, error)
SELECT day, module, method,
       SUM(CASE WHEN outcome = 'ok' THEN count ELSE 0 END),
       SUM(CASE WHEN outcome = 'bad' THEN count ELSE 0 END),
       SUM(CASE WHEN outcome NOT IN ('ok', 'bad') THEN count ELSE 0 END)
FROM daily_counters GROUP BY day, module, method;

DROP TABLE daily_counters;
