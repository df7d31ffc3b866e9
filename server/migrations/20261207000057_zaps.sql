-- Zaps (NIP-57) to users' Lightning addresses: the zap request an invoice
-- was made for, and the receipt its payment owes the relays it names.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- The zap request (kind 9734) exactly as the payer sent it (the invoice's
-- description hash is its SHA-256, and the receipt quotes it), and its
-- author, whom the user's history names.
ALTER TABLE account_invoices ADD COLUMN zap_request TEXT;
ALTER TABLE account_invoices ADD COLUMN zap_sender TEXT;

-- A zap receipt (kind 9735, signed by the server's zapper key), written in
-- the transaction that credits its invoice, so none is lost to a crash
-- before it is published. `relays` is a JSON array of where it goes;
-- `state` is pending until one of them has accepted it, then published.
-- A pending one is tried again from `next_attempt_at` (seconds since the
-- epoch), later after each failed `attempts`, so receipts whose relays are
-- gone do not hold up the others.
CREATE TABLE zap_receipts (
    invoice_id TEXT PRIMARY KEY REFERENCES account_invoices (id),
    event TEXT NOT NULL,
    relays TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    published_at BIGINT
);

CREATE INDEX zap_receipts_pending ON zap_receipts (next_attempt_at) WHERE state = 'pending';
