-- Call detail records indexed from FreeSWITCH's CDR directory (files are never modified), and the
-- files already read (with how far into an append-only Master.csv).
CREATE TABLE cdr (
    uuid                TEXT    NOT NULL PRIMARY KEY,
    format              TEXT    NOT NULL,
    source              TEXT    NOT NULL,
    direction           TEXT    NOT NULL,
    caller_id_name      TEXT    NOT NULL,
    caller_id_number    TEXT    NOT NULL,
    destination_number  TEXT    NOT NULL,
    start_ms            INTEGER NOT NULL,
    answer_ms           INTEGER,
    end_ms              INTEGER NOT NULL,
    duration            INTEGER NOT NULL,
    billsec             INTEGER NOT NULL,
    hangup_cause        TEXT    NOT NULL,
    queue               TEXT    NOT NULL,
    variables           TEXT    NOT NULL
);
CREATE INDEX cdr_start ON cdr (start_ms);
CREATE INDEX cdr_caller ON cdr (caller_id_number, start_ms);
CREATE INDEX cdr_destination ON cdr (destination_number, start_ms);
CREATE INDEX cdr_cause ON cdr (hangup_cause, start_ms);
CREATE INDEX cdr_queue ON cdr (queue, start_ms);

CREATE TABLE cdr_files (
    path    TEXT    NOT NULL PRIMARY KEY,
    size    INTEGER NOT NULL,
    mtime   INTEGER NOT NULL,
    read_to INTEGER NOT NULL
);
