-- Nostr Wallet Connect (NIP-47): the apps a user connected to their
-- account, and the requests those apps sent.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- A connected app, known by the public key of the secret the user's app
-- generated for it (the server never sees that secret). `methods` is the
-- NIP-47 methods it may call, space-separated; `budget_msat` (NULL: none)
-- is what it may spend per `budget_renewal` period (daily, weekly,
-- monthly, never). A payment's transaction bumps `version` first, so two
-- payments of one connection are checked against its budget one after
-- the other on PostgreSQL too.
CREATE TABLE nwc_connections (
    client_pubkey TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    name TEXT NOT NULL,
    methods TEXT NOT NULL,
    budget_msat BIGINT,
    budget_renewal TEXT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    version BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX nwc_connections_by_account ON nwc_connections (account_id, created_at);

-- A request, written before it is acted on, so a request delivered again
-- (a relay's replay, a second subscription, a restart) is answered from
-- here and never acted on twice. `event` is the request as received, to act
-- on again after a crash; `payment_id` the payment a pay_invoice made (in
-- that payment's transaction: what the connection's budget counts);
-- `response` the answer's JSON once known, `answered_at` once published.
CREATE TABLE nwc_requests (
    client_pubkey TEXT NOT NULL REFERENCES nwc_connections (client_pubkey),
    event_id TEXT NOT NULL,
    method TEXT NOT NULL,
    event TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    payment_id TEXT REFERENCES account_payments (id),
    response TEXT,
    answered_at BIGINT,
    PRIMARY KEY (client_pubkey, event_id)
);

CREATE INDEX nwc_requests_unanswered ON nwc_requests (received_at) WHERE answered_at IS NULL;
CREATE INDEX nwc_requests_paid ON nwc_requests (client_pubkey, payment_id)
    WHERE payment_id IS NOT NULL;

-- How far the request subscription has read: the newest request's
-- created_at (the next subscription starts a little before it).
INSERT INTO lightning_cursors (name, position) VALUES ('nwc_requests', 0);
