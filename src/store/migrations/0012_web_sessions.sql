-- Browser sessions of the web console: a personal API token is exchanged once for a session cookie.
-- Only sha256 hashes of the session secret and of its CSRF token are stored. A session dies at
-- `expires_at`, at logout, and with the token it came from (revoked or expired).
CREATE TABLE rwf.web_sessions (
  id           bigserial   NOT NULL,
  session_hash text        NOT NULL,
  csrf_hash    text        NOT NULL,
  token_id     bigint      NOT NULL REFERENCES rwf.api_tokens (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  CONSTRAINT web_sessions_pkey PRIMARY KEY (id),
  CONSTRAINT web_sessions_hash_uniq UNIQUE (session_hash)
);
CREATE INDEX web_sessions_expires_idx ON rwf.web_sessions (expires_at);

-- What each person has read of the notifications feed (the console's unread state): everything up to
-- `read_at`.
CREATE TABLE rwf.feed_reads (
  principal  text        NOT NULL,
  read_at    timestamptz NOT NULL,
  CONSTRAINT feed_reads_pkey PRIMARY KEY (principal)
);
