-- Who follows the event log (`rwf log --follow`, a server's live streams). Writers send the
-- `rwf_events` hint only while a follower's row is fresh (`rwf.followed()`): every hint costs each
-- listening backend a transaction and serialises the commits that send one, so a busy worker with
-- nobody watching sends none. A follower refreshes its row while it follows; a stale row is ignored
-- and swept by the next follower to register. Followers re-read on their own timer as well, so a
-- hint missed while a registration lands delays an event, never drops it.
CREATE TABLE rwf.followers (
  id    uuid        NOT NULL,
  until timestamptz NOT NULL,
  CONSTRAINT followers_pkey PRIMARY KEY (id)
);

CREATE FUNCTION rwf.followed() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (SELECT 1 FROM rwf.followers WHERE until > now())
$$;

-- A workflow's row is rewritten at every step (status, next wake, row version) while its spec, the
-- largest column, stays the same: kept out of line, a step copies a pointer, not the template (a
-- 100-task spec stored inline made every step's row ~2 kB).
ALTER TABLE rwf.workflows SET (toast_tuple_target = 128);
