-- External events (`rwf signal WF NAME`, POST /api/v1/workflows/{id}/signals): stored before they
-- are acknowledged, unique by (workflow, event id) so a repeat is never stored twice, kept for ever,
-- and consumed by at most one `event` task. The event task kind and its gate row come with them.
CREATE TABLE rwf.external_events (
  workflow_id uuid        NOT NULL,
  event_id    text        NOT NULL,
  name        text        NOT NULL,
  data        jsonb       NOT NULL DEFAULT 'null',
  sender      text        NOT NULL,
  received_at timestamptz NOT NULL,
  seq         bigserial   NOT NULL,
  consumed_by text,
  consumed_at timestamptz,
  CONSTRAINT external_events_pkey PRIMARY KEY (workflow_id, event_id),
  CONSTRAINT external_events_workflow_fkey FOREIGN KEY (workflow_id)
    REFERENCES rwf.workflows (id) ON DELETE CASCADE,
  CONSTRAINT external_events_consumed_check CHECK ((consumed_by IS NULL) = (consumed_at IS NULL))
);
CREATE INDEX external_events_workflow_idx ON rwf.external_events (workflow_id, seq);

-- Once consumed, an event stays consumed by the same task.
CREATE FUNCTION rwf.external_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.consumed_by IS NOT NULL OR (OLD.event_id, OLD.name, OLD.data, OLD.sender, OLD.received_at)
       IS DISTINCT FROM (NEW.event_id, NEW.name, NEW.data, NEW.sender, NEW.received_at) THEN
    RAISE EXCEPTION 'rwf.external_events: a received event only gains its consumer, once'
      USING ERRCODE = 'RW001';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER external_events_guard BEFORE UPDATE ON rwf.external_events
  FOR EACH ROW EXECUTE FUNCTION rwf.external_events_guard();

ALTER TABLE rwf.tasks DROP CONSTRAINT tasks_kind_check, ADD CONSTRAINT tasks_kind_check
  CHECK (kind IN ('agent', 'approval', 'manual', 'notification', 'wait', 'checkpoint', 'event'));
ALTER TABLE rwf.gates DROP CONSTRAINT gates_kind_check, ADD CONSTRAINT gates_kind_check
  CHECK (kind IN ('timing', 'dependency', 'approval', 'hook', 'event'));
