-- rwf: the durable reconciler's data model. Postgres is the single source of truth for running workflows.
CREATE SCHEMA IF NOT EXISTS rwf;

-- Refuses any change to an append-only or immutable table. SQLSTATE RW001 maps to StoreError::Immutable.
CREATE FUNCTION rwf.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rwf.% is append-only: % refused', TG_TABLE_NAME, lower(TG_OP)
    USING ERRCODE = 'RW001';
END
$$;

-- Immutable template versions: a key+version always means the same spec.
CREATE TABLE rwf.template_versions (
  key        text        NOT NULL,
  version    integer     NOT NULL,
  spec       jsonb       NOT NULL,
  spec_hash  text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT template_versions_pkey PRIMARY KEY (key, version)
);
CREATE TRIGGER template_versions_immutable BEFORE UPDATE OR DELETE ON rwf.template_versions
  FOR EACH ROW EXECUTE FUNCTION rwf.refuse_change();

CREATE TABLE rwf.workflows (
  id               uuid        NOT NULL,
  name             text        NOT NULL,
  status           text        NOT NULL,
  template_key     text        NOT NULL,
  template_version integer     NOT NULL,
  template_hash    text        NOT NULL,
  spec             jsonb       NOT NULL,
  spec_hash        text        NOT NULL,
  target_at        timestamptz NOT NULL,
  target_tz        text        NOT NULL,
  lock_version     bigint      NOT NULL DEFAULT 0,
  draining         boolean     NOT NULL DEFAULT false,
  next_wake_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  CONSTRAINT workflows_pkey PRIMARY KEY (id),
  CONSTRAINT workflows_status_check
    CHECK (status IN ('draft', 'active', 'paused', 'completed', 'failed', 'cancelled')),
  CONSTRAINT workflows_template_fkey FOREIGN KEY (template_key, template_version)
    REFERENCES rwf.template_versions (key, version)
);
CREATE INDEX workflows_next_wake_idx ON rwf.workflows (next_wake_at) WHERE next_wake_at IS NOT NULL;
CREATE INDEX workflows_status_idx ON rwf.workflows (status);

-- The per-task ledger.
CREATE TABLE rwf.tasks (
  workflow_id     uuid        NOT NULL,
  key             text        NOT NULL,
  kind            text        NOT NULL,
  title           text        NOT NULL,
  status          text        NOT NULL,
  planned_start   timestamptz,
  planned_due     timestamptz,
  planned_end     timestamptz,
  actual_start    timestamptz,
  actual_end      timestamptz,
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  timer_at        timestamptz,
  missed          boolean     NOT NULL DEFAULT false,
  forced          boolean     NOT NULL DEFAULT false,
  output          jsonb,
  last_error      text,
  actor           text,
  lock_version    bigint      NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tasks_pkey PRIMARY KEY (workflow_id, key),
  CONSTRAINT tasks_workflow_fkey FOREIGN KEY (workflow_id) REFERENCES rwf.workflows (id) ON DELETE CASCADE,
  CONSTRAINT tasks_kind_check
    CHECK (kind IN ('agent', 'approval', 'manual', 'notification', 'wait', 'checkpoint')),
  CONSTRAINT tasks_status_check
    CHECK (status IN ('pending', 'running', 'waiting_input', 'awaiting_decision', 'succeeded', 'failed',
                      'skipped', 'cancelled')),
  CONSTRAINT tasks_attempts_check CHECK (attempts >= 0)
);

-- Per-edge outcome: the downstream waits for the upstream to end as `outcome`.
CREATE TABLE rwf.dependencies (
  workflow_id uuid NOT NULL,
  task_key    text NOT NULL,
  upstream    text NOT NULL,
  outcome     text NOT NULL,
  CONSTRAINT dependencies_pkey PRIMARY KEY (workflow_id, task_key, upstream),
  CONSTRAINT dependencies_task_fkey FOREIGN KEY (workflow_id, task_key)
    REFERENCES rwf.tasks (workflow_id, key) ON DELETE CASCADE,
  CONSTRAINT dependencies_upstream_fkey FOREIGN KEY (workflow_id, upstream)
    REFERENCES rwf.tasks (workflow_id, key) ON DELETE CASCADE,
  CONSTRAINT dependencies_outcome_check CHECK (outcome IN ('success', 'failed', 'skipped', 'any'))
);

-- The gate ledger: why each task waits, as last decided by the engine.
CREATE TABLE rwf.gates (
  workflow_id uuid        NOT NULL,
  task_key    text        NOT NULL,
  kind        text        NOT NULL,
  state       text        NOT NULL,
  reason      text        NOT NULL DEFAULT '',
  blockers    jsonb       NOT NULL DEFAULT '[]',
  until       timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT gates_pkey PRIMARY KEY (workflow_id, task_key, kind),
  CONSTRAINT gates_task_fkey FOREIGN KEY (workflow_id, task_key)
    REFERENCES rwf.tasks (workflow_id, key) ON DELETE CASCADE,
  CONSTRAINT gates_kind_check CHECK (kind IN ('timing', 'dependency', 'approval', 'hook')),
  CONSTRAINT gates_state_check CHECK (state IN ('pass', 'wait', 'blocked'))
);

-- One row per attempt of an agent task. The idempotency key never changes for an attempt; a takeover
-- bumps lease_epoch and a result from an older epoch is dropped.
CREATE TABLE rwf.attempts (
  id               bigserial   NOT NULL,
  workflow_id      uuid        NOT NULL,
  task_key         text        NOT NULL,
  attempt          integer     NOT NULL,
  idempotency_key  text        NOT NULL,
  status           text        NOT NULL,
  lease_holder     text,
  lease_epoch      integer     NOT NULL DEFAULT 1,
  lease_expires_at timestamptz,
  heartbeat_at     timestamptz,
  request          jsonb       NOT NULL DEFAULT '{}',
  result           jsonb,
  log              text,
  started_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  CONSTRAINT attempts_pkey PRIMARY KEY (id),
  CONSTRAINT attempts_idempotency_key_uniq UNIQUE (idempotency_key),
  CONSTRAINT attempts_task_attempt_uniq UNIQUE (workflow_id, task_key, attempt),
  CONSTRAINT attempts_task_fkey FOREIGN KEY (workflow_id, task_key)
    REFERENCES rwf.tasks (workflow_id, key) ON DELETE RESTRICT,
  CONSTRAINT attempts_status_check
    CHECK (status IN ('dispatched', 'succeeded', 'failed', 'needs_input', 'abandoned')),
  CONSTRAINT attempts_epoch_check CHECK (lease_epoch >= 1)
);
CREATE INDEX attempts_lease_idx ON rwf.attempts (lease_expires_at) WHERE status = 'dispatched';

CREATE TABLE rwf.artifacts (
  id          bigserial   NOT NULL,
  workflow_id uuid        NOT NULL,
  task_key    text        NOT NULL,
  attempt_id  bigint,
  content     jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT artifacts_pkey PRIMARY KEY (id),
  CONSTRAINT artifacts_task_fkey FOREIGN KEY (workflow_id, task_key)
    REFERENCES rwf.tasks (workflow_id, key) ON DELETE RESTRICT,
  CONSTRAINT artifacts_attempt_fkey FOREIGN KEY (attempt_id) REFERENCES rwf.attempts (id) ON DELETE RESTRICT
);

-- One row per opening of an approval (a needs-revision reject reopens it as a new round).
CREATE TABLE rwf.approvals (
  id               bigserial   NOT NULL,
  workflow_id      uuid        NOT NULL,
  task_key         text        NOT NULL,
  round            integer     NOT NULL DEFAULT 1,
  status           text        NOT NULL,
  approvers        jsonb       NOT NULL,
  quorum           integer     NOT NULL,
  opened_at        timestamptz NOT NULL,
  deadline_at      timestamptz,
  next_reminder_at timestamptz,
  reminders_sent   integer     NOT NULL DEFAULT 0,
  escalated        boolean     NOT NULL DEFAULT false,
  overdue_notified boolean     NOT NULL DEFAULT false,
  packet_hash      text        NOT NULL DEFAULT '',
  invalidated_at   timestamptz,
  closed_at        timestamptz,
  CONSTRAINT approvals_pkey PRIMARY KEY (id),
  CONSTRAINT approvals_round_uniq UNIQUE (workflow_id, task_key, round),
  CONSTRAINT approvals_task_fkey FOREIGN KEY (workflow_id, task_key)
    REFERENCES rwf.tasks (workflow_id, key) ON DELETE RESTRICT,
  CONSTRAINT approvals_status_check
    CHECK (status IN ('open', 'granted', 'rejected', 'expired', 'invalidated')),
  CONSTRAINT approvals_quorum_check CHECK (quorum >= 1)
);
CREATE INDEX approvals_open_idx ON rwf.approvals (opened_at) WHERE status = 'open';

-- Human decisions only: the actor is a named person, never the system.
CREATE TABLE rwf.approval_decisions (
  id          bigserial   NOT NULL,
  approval_id bigint      NOT NULL,
  actor       text        NOT NULL,
  verdict     text        NOT NULL,
  reason      text,
  at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT approval_decisions_pkey PRIMARY KEY (id),
  CONSTRAINT approval_decisions_approval_fkey FOREIGN KEY (approval_id) REFERENCES rwf.approvals (id),
  CONSTRAINT approval_decisions_actor_uniq UNIQUE (approval_id, actor),
  CONSTRAINT approval_decisions_verdict_check CHECK (verdict IN ('approve', 'reject')),
  CONSTRAINT approval_decisions_human_actor_check
    CHECK (btrim(actor) <> '' AND lower(btrim(actor)) NOT IN
      ('system', 'hook', 'hooks', 'executor', 'engine', 'worker', 'reconciler', 'rwf'))
);
CREATE TRIGGER approval_decisions_append_only BEFORE UPDATE OR DELETE ON rwf.approval_decisions
  FOR EACH ROW EXECUTE FUNCTION rwf.refuse_change();

-- The append-only audit log.
CREATE TABLE rwf.events (
  id          bigserial   NOT NULL,
  workflow_id uuid        NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text        NOT NULL,
  kind        text        NOT NULL,
  task_key    text,
  data        jsonb       NOT NULL DEFAULT '{}',
  CONSTRAINT events_pkey PRIMARY KEY (id),
  CONSTRAINT events_workflow_fkey FOREIGN KEY (workflow_id) REFERENCES rwf.workflows (id)
);
CREATE INDEX events_workflow_idx ON rwf.events (workflow_id, id);
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON rwf.events
  FOR EACH ROW EXECUTE FUNCTION rwf.refuse_change();

-- The durable notifications feed. `id` is stable across redeliveries.
CREATE TABLE rwf.notifications (
  id          uuid        NOT NULL,
  workflow_id uuid        NOT NULL,
  kind        text        NOT NULL,
  task_key    text,
  recipients  jsonb       NOT NULL DEFAULT '[]',
  title       text        NOT NULL,
  message     text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT notifications_pkey PRIMARY KEY (id),
  CONSTRAINT notifications_workflow_fkey FOREIGN KEY (workflow_id) REFERENCES rwf.workflows (id)
);
CREATE INDEX notifications_created_idx ON rwf.notifications (created_at);

-- Side effects of the built-in test executor, one row per effect actually performed.
CREATE TABLE rwf.builtin_effects (
  id              bigserial   NOT NULL,
  idempotency_key text        NOT NULL,
  agent           text        NOT NULL,
  output          jsonb       NOT NULL DEFAULT '{}',
  at              timestamptz NOT NULL DEFAULT clock_timestamp(),
  CONSTRAINT builtin_effects_pkey PRIMARY KEY (id)
);
CREATE INDEX builtin_effects_key_idx ON rwf.builtin_effects (idempotency_key);
