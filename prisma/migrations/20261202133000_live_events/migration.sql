-- CreateTable
CREATE TABLE "presence" (
    "tab_id" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "record_type" TEXT NOT NULL,
    "record_id" INTEGER NOT NULL,
    "editing" BOOLEAN NOT NULL DEFAULT false,
    "seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "presence_pkey" PRIMARY KEY ("tab_id")
);

-- CreateIndex
CREATE INDEX "presence_record_type_record_id_idx" ON "presence"("record_type", "record_id");

-- CreateIndex
CREATE INDEX "presence_seen_at_idx" ON "presence"("seen_at");

-- AddForeignKey
ALTER TABLE "presence" ADD CONSTRAINT "presence_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Announcing changes. A statement on a watched table queues one row per changed record in
-- live.events (one "bulk" row for statements touching more than 200, such as data loads); a deferred
-- trigger numbers the queued rows at commit, under a transaction-scoped advisory lock, and sends
-- them with pg_notify. Numbering at commit under the lock makes `seq` follow commit order, so a
-- reader resuming "after seq N" never misses a row that commits later with a smaller number; taking
-- the lock only at commit, after every row lock, keeps it out of deadlocks with row locks.
-- The schema is apart from Prisma's so that its describer does not meet the constraint trigger.
CREATE SCHEMA live;

CREATE TABLE live.events (
    id BIGSERIAL PRIMARY KEY,
    seq BIGINT UNIQUE,
    kind TEXT NOT NULL,
    record_id INTEGER,
    version INTEGER,
    user_id INTEGER,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX events_created_at_idx ON live.events (created_at);

CREATE FUNCTION live.announce(p_kind TEXT, p_record_id INTEGER, p_version INTEGER, p_user_id INTEGER)
RETURNS VOID LANGUAGE sql AS $$
  INSERT INTO live.events (kind, record_id, version, user_id) VALUES (p_kind, p_record_id, p_version, p_user_id);
$$;

CREATE FUNCTION live.announce_rows() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  changed INTEGER;
  suffix TEXT := CASE TG_OP WHEN 'INSERT' THEN '.created' ELSE '.updated' END;
BEGIN
  SELECT count(*) INTO changed FROM changed_rows;
  IF changed = 0 THEN
    RETURN NULL;
  ELSIF changed > 200 THEN
    PERFORM live.announce(TG_ARGV[0] || '.bulk', NULL, NULL, NULL);
  ELSE
    PERFORM live.announce(
      TG_ARGV[0] || suffix,
      (to_jsonb(r) ->> TG_ARGV[1])::INTEGER,
      (to_jsonb(r) ->> 'version')::INTEGER,
      CASE WHEN TG_NARGS > 2 THEN (to_jsonb(r) ->> TG_ARGV[2])::INTEGER END
    ) FROM changed_rows r;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION live.publish() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  next_seq BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('caredesk.live.events'));
  SELECT COALESCE(max(seq), 0) + 1 INTO next_seq FROM live.events;
  UPDATE live.events SET seq = next_seq WHERE id = NEW.id;
  PERFORM pg_notify('caredesk_live', json_build_object(
    'seq', next_seq, 'kind', NEW.kind, 'recordId', NEW.record_id, 'version', NEW.version, 'userId', NEW.user_id
  )::TEXT);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER events_publish AFTER INSERT ON live.events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION live.publish();
CREATE TRIGGER support_tickets_live_insert AFTER INSERT ON support_tickets REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('ticket', 'id');
CREATE TRIGGER support_tickets_live_update AFTER UPDATE ON support_tickets REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('ticket', 'id');
CREATE TRIGGER interactions_live_insert AFTER INSERT ON interactions REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('interaction', 'id');
CREATE TRIGGER interactions_live_update AFTER UPDATE ON interactions REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('interaction', 'id');
CREATE TRIGGER interaction_notes_live_insert AFTER INSERT ON interaction_notes REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('interaction', 'interaction_id');
CREATE TRIGGER escalations_live_insert AFTER INSERT ON escalations REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('escalation', 'id');
CREATE TRIGGER escalations_live_update AFTER UPDATE ON escalations REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('escalation', 'id');
CREATE TRIGGER consultations_live_insert AFTER INSERT ON consultations REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('consultation', 'id');
CREATE TRIGGER consultations_live_update AFTER UPDATE ON consultations REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('consultation', 'id');
CREATE TRIGGER notifications_live_insert AFTER INSERT ON notifications REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('notification', 'id', 'user_id');
CREATE TRIGGER notifications_live_update AFTER UPDATE ON notifications REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION live.announce_rows('notification', 'id', 'user_id');
