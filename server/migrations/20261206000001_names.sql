-- Users' names: `name@<server>` as their NIP-05 address (and Lightning
-- address). One per account; a name belongs to one account at a time.
-- `relays` is a JSON array of wss:// addresses NIP-05 answers with the key.
CREATE TABLE account_names (
    account_id TEXT PRIMARY KEY REFERENCES ledger_accounts (id),
    name TEXT NOT NULL UNIQUE,
    relays TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
