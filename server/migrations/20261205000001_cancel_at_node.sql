-- An invoice another user paid inside the ledger is still open at the node
-- until the server cancels it there, so that no one outside pays it again.
-- `cancel_at_node` is 1 from that payment's transaction until the node has
-- it cancelled (or settled: an outside payment that came first, which the
-- invoice subscription credits too); the background work cancels what a
-- failed call or a crash left at 1.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.
ALTER TABLE account_invoices ADD COLUMN cancel_at_node BIGINT NOT NULL DEFAULT 0;

-- Those paid inside before this column existed.
UPDATE account_invoices SET cancel_at_node = 1
WHERE state = 'settled'
  AND payment_hash IN (SELECT payment_hash FROM account_payments WHERE route = 'internal');

CREATE INDEX account_invoices_to_cancel ON account_invoices (expires_at)
    WHERE cancel_at_node = 1;
