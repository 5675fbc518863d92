-- Tamper-evident audit trail: each row carries its position in one chain (seq), the hash of the
-- row before it and its own hash, SHA-256 over its canonical content and that previous hash.
ALTER TABLE "audit_events" ADD COLUMN "seq" BIGINT,
ADD COLUMN "prev_hash" TEXT,
ADD COLUMN "hash" TEXT;

CREATE UNIQUE INDEX "audit_events_seq_key" ON "audit_events"("seq");

-- The head of the chain: one row, locked by every insert so concurrent writers queue and never fork.
CREATE TABLE "audit_chain" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "seq" BIGINT NOT NULL DEFAULT 0,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_pkey" PRIMARY KEY ("id")
);

-- One field of the canonical form: byte length, colon, value, semicolon; NULL is "N;". Length
-- prefixes make the encoding unambiguous whatever the text holds. src/modules/audit/chain.ts
-- computes the same form independently.
CREATE FUNCTION audit_canonical_field(v TEXT) RETURNS TEXT AS $$
  SELECT CASE WHEN v IS NULL THEN 'N;' ELSE octet_length(v)::text || ':' || v || ';' END
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION audit_event_hash(e "audit_events") RETURNS TEXT AS $$
  SELECT encode(sha256(convert_to(
    audit_canonical_field(e.seq::text) || audit_canonical_field(e.id::text)
    || audit_canonical_field(to_char(e.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS'))
    || audit_canonical_field(e.actor_id::text) || audit_canonical_field(e.actor_role::text)
    || audit_canonical_field(e.action) || audit_canonical_field(e.customer_id::text)
    || audit_canonical_field(e.record_type) || audit_canonical_field(e.record_id::text)
    || audit_canonical_field(e.field_group) || audit_canonical_field(e.reason)
    || audit_canonical_field(e.ip) || audit_canonical_field(e.prev_hash),
  'UTF8')), 'hex')
$$ LANGUAGE sql IMMUTABLE;

-- Assigns seq, prev_hash and hash; whatever the caller supplied for them is overwritten. The
-- FOR UPDATE on the head row holds until the inserting transaction ends, so the chain is linear.
CREATE FUNCTION audit_events_chain() RETURNS trigger AS $$
DECLARE
  head RECORD;
BEGIN
  SELECT "seq", "hash" INTO head FROM "audit_chain" WHERE "id" = 1 FOR UPDATE;
  NEW."at" := NEW."at"::timestamp(3);
  NEW."seq" := head."seq" + 1;
  NEW."prev_hash" := head."hash";
  NEW."hash" := audit_event_hash(NEW);
  UPDATE "audit_chain" SET "seq" = NEW."seq", "hash" = NEW."hash" WHERE "id" = 1;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Chain what is already there, oldest first.
INSERT INTO "audit_chain" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));
ALTER TABLE "audit_events" DISABLE TRIGGER "audit_events_no_update_or_delete";
DO $$
DECLARE
  r "audit_events";
  n BIGINT := 0;
  previous TEXT := repeat('0', 64);
BEGIN
  FOR r IN SELECT * FROM "audit_events" ORDER BY "id" LOOP
    n := n + 1;
    r."seq" := n;
    r."prev_hash" := previous;
    previous := audit_event_hash(r);
    UPDATE "audit_events" SET "seq" = n, "prev_hash" = r."prev_hash", "hash" = previous WHERE "id" = r."id";
  END LOOP;
  UPDATE "audit_chain" SET "seq" = n, "hash" = previous WHERE "id" = 1;
END $$;
ALTER TABLE "audit_events" ENABLE TRIGGER "audit_events_no_update_or_delete";

CREATE TRIGGER audit_events_chain
  BEFORE INSERT ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

-- The head is one row (inserted above) that moves only forwards, one step per audit row.
CREATE FUNCTION audit_chain_forward_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW."seq" <> OLD."seq" + 1 THEN
    RAISE EXCEPTION 'audit_chain only advances (% refused)', TG_OP;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_chain_forward_only
  BEFORE INSERT OR UPDATE OR DELETE ON "audit_chain"
  FOR EACH ROW EXECUTE FUNCTION audit_chain_forward_only();
