-- A transaction that changes one record in two statements (a status and its first-response stamp,
-- say) announces it once: an identical event already queued by this transaction is not queued
-- again. Queued rows have no seq until commit, and other transactions' queued rows are invisible,
-- so "seq IS NULL" finds exactly this transaction's own.
CREATE OR REPLACE FUNCTION live.announce(p_kind TEXT, p_record_id INTEGER, p_version INTEGER, p_user_id INTEGER)
RETURNS VOID LANGUAGE sql AS $$
  INSERT INTO live.events (kind, record_id, version, user_id)
  SELECT p_kind, p_record_id, p_version, p_user_id
   WHERE NOT EXISTS (
     SELECT 1 FROM live.events e
      WHERE e.seq IS NULL AND e.kind = p_kind
        AND e.record_id IS NOT DISTINCT FROM p_record_id
        AND e.version IS NOT DISTINCT FROM p_version
        AND e.user_id IS NOT DISTINCT FROM p_user_id);
$$;

CREATE INDEX events_queued_idx ON live.events (kind, record_id) WHERE seq IS NULL;
