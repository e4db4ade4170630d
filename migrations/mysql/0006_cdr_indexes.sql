-- Indexes that keep the common CDR list queries an index walk at 1 000 000 rows: `direction` with a
-- date range, and the `billsec` / `duration` sort orders over all calls, with `billsec` also after a
-- `hangup_cause` or `queue` filter ("longest answered calls", "longest calls of a queue"). The
-- trailing `uuid` is the list's tie-break, so ties (every unanswered call has billsec 0) need no sort.
ALTER TABLE cdr
    ADD KEY cdr_direction (direction, start_ms),
    ADD KEY cdr_billsec (billsec, uuid),
    ADD KEY cdr_duration (duration, uuid),
    ADD KEY cdr_cause_billsec (hangup_cause, billsec, uuid),
    ADD KEY cdr_queue_billsec (queue, billsec, uuid);
