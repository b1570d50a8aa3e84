-- Workers say they are alive: one row per worker id, `seen_at` moved on every beat (`rwf worker`
-- beats while it runs). `rwf start` and `rwf status` warn when no worker has been seen lately.
CREATE TABLE rwf.worker_heartbeats (
  worker_id  text        NOT NULL,
  started_at timestamptz NOT NULL,
  seen_at    timestamptz NOT NULL,
  -- Set when the worker stopped cleanly (SIGTERM / Ctrl-C).
  stopped_at timestamptz,
  CONSTRAINT worker_heartbeats_pkey PRIMARY KEY (worker_id)
);
