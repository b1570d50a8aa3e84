-- Delivery of the notifications feed to sinks (exec::deliver): one row per (notification, sink) with
-- its state, one row per attempt, and a NOTIFY on every new notification for `rwf notifications --follow`
-- and the deliverer.

CREATE TABLE rwf.deliveries (
  notification_id uuid        NOT NULL,
  sink            text        NOT NULL,
  -- Attempts recorded so far.
  attempts        integer     NOT NULL DEFAULT 0,
  -- `retrying`: due at `retry_at` (also while claimed by a deliverer, which pushes `retry_at` ahead).
  status          text        NOT NULL,
  retry_at        timestamptz,
  last_error      text,
  updated_at      timestamptz NOT NULL,
  CONSTRAINT deliveries_pkey PRIMARY KEY (notification_id, sink),
  CONSTRAINT deliveries_notification_fkey FOREIGN KEY (notification_id)
    REFERENCES rwf.notifications (id) ON DELETE CASCADE,
  CONSTRAINT deliveries_status_check
    CHECK (status IN ('retrying', 'delivered', 'skipped', 'gave_up'))
);
CREATE INDEX deliveries_retry_idx ON rwf.deliveries (retry_at) WHERE status = 'retrying';

CREATE TABLE rwf.delivery_attempts (
  id              bigserial   NOT NULL,
  notification_id uuid        NOT NULL,
  sink            text        NOT NULL,
  attempt         integer     NOT NULL,
  at              timestamptz NOT NULL,
  outcome         text        NOT NULL,
  error           text,
  CONSTRAINT delivery_attempts_pkey PRIMARY KEY (id),
  CONSTRAINT delivery_attempts_delivery_fkey FOREIGN KEY (notification_id, sink)
    REFERENCES rwf.deliveries (notification_id, sink) ON DELETE CASCADE,
  CONSTRAINT delivery_attempts_outcome_check
    CHECK (outcome IN ('delivered', 'failed', 'gave_up', 'skipped'))
);
CREATE INDEX delivery_attempts_notification_idx ON rwf.delivery_attempts (notification_id);

CREATE FUNCTION rwf.notify_new_notification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('rwf_notifications', NEW.workflow_id::text);
  RETURN NEW;
END
$$;

CREATE TRIGGER notifications_notify AFTER INSERT ON rwf.notifications
  FOR EACH ROW EXECUTE FUNCTION rwf.notify_new_notification();
