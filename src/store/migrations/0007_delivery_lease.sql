-- Deliveries are leased like dispatches: a deliverer claims a (notification, sink) pair under its
-- worker id with a new epoch and a short lease it heartbeats. A worker restarting with the same id
-- takes its own claims back at once; another takes them once the lease ran out; a result recorded
-- under an older epoch than the row's is dropped (a late answer of a deliverer that lost the claim).

ALTER TABLE rwf.deliveries
  ADD COLUMN claimed_by       text,
  ADD COLUMN claim_epoch      bigint      NOT NULL DEFAULT 0,
  ADD COLUMN claim_expires_at timestamptz;

CREATE INDEX deliveries_claimed_by_idx ON rwf.deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
