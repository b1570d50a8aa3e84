-- Access over `rwf serve`. Who operates a workflow (start, pause, resume, cancel, edit, retarget): its owner
-- scope (`team:release`, `user:ann`), set when it is created through the API. A workflow without a row
-- here (created by the CLI's administrator path) is operated by organization admins only.
CREATE TABLE rwf.workflow_owners (
  workflow_id uuid        NOT NULL,
  owner       text        NOT NULL,
  CONSTRAINT workflow_owners_pkey PRIMARY KEY (workflow_id),
  CONSTRAINT workflow_owners_workflow_fkey FOREIGN KEY (workflow_id)
    REFERENCES rwf.workflows (id) ON DELETE CASCADE,
  CONSTRAINT workflow_owners_scope_check CHECK (owner ~ '^(user|team|org):[^:[:space:]]+$')
);

-- The notifications feed as a resumable stream (`rwf serve`'s SSE): each row's writing transaction and
-- a sequence number. A row is streamed only once its transaction is older than every transaction still
-- running (`pg_snapshot_xmin`), in (xid, seq) order, so a cursor never skips a row committed late.
ALTER TABLE rwf.notifications
  ADD COLUMN xid xid8   NOT NULL DEFAULT pg_current_xact_id(),
  ADD COLUMN seq bigserial;
CREATE INDEX notifications_stream_idx ON rwf.notifications (xid, seq);

-- Calendar subscriptions: a secret ICS URL per workflow, or per person ("my tasks and approvals") when
-- `workflow_id` is null. Only the sha256 of the secret is stored; each fetch re-checks that the
-- principal who created it may still see what it shows.
CREATE TABLE rwf.calendar_feeds (
  id          bigserial   NOT NULL,
  secret_hash text        NOT NULL,
  principal   text        NOT NULL,
  kind        text        NOT NULL,
  workflow_id uuid,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CONSTRAINT calendar_feeds_pkey PRIMARY KEY (id),
  CONSTRAINT calendar_feeds_secret_uniq UNIQUE (secret_hash),
  CONSTRAINT calendar_feeds_kind_check CHECK (kind IN ('person', 'service')),
  CONSTRAINT calendar_feeds_workflow_fkey FOREIGN KEY (workflow_id)
    REFERENCES rwf.workflows (id) ON DELETE CASCADE
);
