-- Fewer index entries per sale on transactions (every insert touched eight
-- indexes, every outcome update rewrote the state and response-code ones).
-- Each remaining index names the queries it serves; List keeps an index for
-- every filter that is common or selective, so none of them becomes a scan of
-- the whole table:
--
--   transactions_key (terminal_id, batch, stan, mti), unique: ByKey and the
--     idempotency guarantee; BatchTotals (terminal_id, batch prefix); and now
--     List by terminal (terminal_id prefix: that terminal's rows, then a sort
--     by id for the page) -- transactions_terminal_id is dropped.
--   transactions_merchant_id (merchant_id, id): List by merchant, in id order.
--   transactions_daily (merchant_id, settlement_date): DailyUsage (sale path).
--   transactions_rrn (rrn) WHERE rrn <> '': ByRRN.
--   transactions_created (created_at): List by time range.
--   transactions_open (state, id), partial, only rows in a state that still
--     needs work (received, forwarded, timed_out, reversal_pending,
--     reversal_failed): Unresolved (forwarded) and the casework scan
--     (reversal_pending, reversal_failed, timed_out, before a cutoff). It
--     replaces transactions_state_id: a sale enters it once (forwarded) and
--     leaves it at its outcome, so the index stays small instead of holding
--     every row. List by a final state (approved, declined, ...) walks the
--     table newest first and stops at the page size: quick for the common
--     approved and declined, slower for rare final states.
--   transactions_failed (response_code, id), partial, only rows answered with
--     a code other than '00': List by a failure code. A sale answered 00 (the
--     usual case) writes no entry at all; List by '00' walks the table newest
--     first like a final state. Replaces transactions_code_id.
--
-- The partial-index predicates are repeated word for word by the queries
-- (internal/sqlstore: OpenStatesCond, FailedCodeCond) so that both SQLite and
-- PostgreSQL can prove a query may use them whatever the bound values.
DROP INDEX transactions_terminal_id;
DROP INDEX transactions_state_id;
DROP INDEX transactions_code_id;

CREATE INDEX transactions_open ON transactions (state, id)
    WHERE state IN ('received', 'forwarded', 'timed_out', 'reversal_pending', 'reversal_failed');
CREATE INDEX transactions_failed ON transactions (response_code, id)
    WHERE response_code NOT IN ('', '00');
