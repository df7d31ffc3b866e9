-- The accounts ledger: double entry, amounts in millisatoshis.
-- Portable SQL: the same file runs on SQLite and PostgreSQL.

-- Every account of the ledger: one per user (by NOSTR public key) and the
-- server's own (the node's liquidity, routing fees, payments in flight).
-- Only users' balances are bounded below: the server's accounts mirror them.
CREATE TABLE ledger_accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    balance_msat BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CHECK (kind <> 'user' OR balance_msat >= 0)
);

-- One movement of money; its lines sum to zero. The key the client chose
-- makes a retried request answer with the first one's entry.
CREATE TABLE journal_entries (
    id TEXT PRIMARY KEY,
    initiator TEXT NOT NULL REFERENCES ledger_accounts (id),
    idempotency_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (initiator, idempotency_key)
);

CREATE TABLE journal_lines (
    entry_id TEXT NOT NULL REFERENCES journal_entries (id),
    account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
    amount_msat BIGINT NOT NULL,
    PRIMARY KEY (entry_id, account_id)
);

CREATE INDEX journal_lines_by_account ON journal_lines (account_id);

-- NIP-98 events already accepted, so none is accepted twice, whichever
-- instance sees it. Rows older than the accepted clock window are pruned.
CREATE TABLE nip98_seen (
    event_id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

CREATE INDEX nip98_seen_by_time ON nip98_seen (created_at);
