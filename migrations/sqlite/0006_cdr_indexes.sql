-- Indexes that keep the common CDR list queries an index walk at 1 000 000 rows: `direction` with a
-- date range, and the `billsec` / `duration` sort orders over all calls, with `billsec` also after a
-- `hangup_cause` or `queue` filter ("longest answered calls", "longest calls of a queue"). The
-- trailing `uuid` is the list's tie-break, so ties (every unanswered call has billsec 0) need no sort.
CREATE INDEX cdr_direction ON cdr (direction, start_ms);
CREATE INDEX cdr_billsec ON cdr (billsec, uuid);
CREATE INDEX cdr_duration ON cdr (duration, uuid);
CREATE INDEX cdr_cause_billsec ON cdr (hangup_cause, billsec, uuid);
CREATE INDEX cdr_queue_billsec ON cdr (queue, billsec, uuid);
