-- `rwf serve` authentication: bearer tokens of people and service accounts. Only the sha256 of a token
-- is stored; the token itself is shown once by `rwf admin token create`. A token past `expires_at` or
-- with `revoked_at` set authenticates nobody.
CREATE TABLE rwf.api_tokens (
  id          bigserial   NOT NULL,
  principal   text        NOT NULL,
  kind        text        NOT NULL,
  token_hash  text        NOT NULL,
  label       text        NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz,
  revoked_at  timestamptz,
  CONSTRAINT api_tokens_pkey PRIMARY KEY (id),
  CONSTRAINT api_tokens_hash_uniq UNIQUE (token_hash),
  CONSTRAINT api_tokens_kind_check CHECK (kind IN ('person', 'service')),
  CONSTRAINT api_tokens_principal_check CHECK (principal ~ '^[A-Za-z0-9][A-Za-z0-9._@-]*$')
);
CREATE INDEX api_tokens_principal_idx ON rwf.api_tokens (principal);
