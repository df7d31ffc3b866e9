-- Lightning for the accounts: the invoices the node issued for users, the
-- payments users send, and the server's background work.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- Counts every change to an account (each journal line, and each payment
-- or invoice of the user that ends), so a live stream on any instance sees
-- that something happened by reading one row.
ALTER TABLE ledger_accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

-- An invoice of the server's node for a user. Written before the node is
-- asked for it (the server chose its preimage, so its hash is known), so a
-- payment to it always finds whose it is. `state` is open, then settled
-- exactly once (credited, by the invoice subscription or by another user's
-- internal payment), or expired.
CREATE TABLE account_invoices (
    id TEXT PRIMARY KEY,
    payment_hash TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    bolt11 TEXT,
    amount_msat BIGINT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    received_msat BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    settled_at BIGINT
);

CREATE INDEX account_invoices_by_account ON account_invoices (account_id, created_at);

-- A payment a user sends: written pending, with its amount and fee reserve
-- taken from the balance, in the transaction before the node hears of it;
-- then succeeded (the unused reserve returned) or failed (all returned).
-- `route` is internal (to another user's invoice, settled in the ledger) or
-- lightning (through the node).
CREATE TABLE account_payments (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    idempotency_key TEXT NOT NULL,
    route TEXT NOT NULL,
    payment_hash TEXT NOT NULL,
    bolt11 TEXT NOT NULL,
    amount_msat BIGINT NOT NULL,
    fee_reserve_msat BIGINT NOT NULL,
    fee_msat BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    preimage TEXT,
    failure TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (account_id, idempotency_key)
);

-- The node pays an invoice once: one payment of a hash may be live or done,
-- so two users (or two retries) can never both be charged for it.
CREATE UNIQUE INDEX account_payments_one_per_hash ON account_payments (payment_hash)
    WHERE state <> 'failed';

CREATE INDEX account_payments_by_state ON account_payments (state, created_at);
CREATE INDEX account_payments_by_account ON account_payments (account_id, created_at);

-- How far the invoice subscription has credited: the node's settle index.
CREATE TABLE lightning_cursors (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);

INSERT INTO lightning_cursors (name, position) VALUES ('invoices', 0);

-- Who does the background work (the invoice subscription, finishing pending
-- payments) while several instances share the database: one holder at a
-- time, until `expires_at_ms` (milliseconds since the epoch) unless renewed.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at_ms BIGINT NOT NULL
);
