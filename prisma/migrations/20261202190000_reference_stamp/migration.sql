-- Small lists that nearly every page shows (the active staff, the saved replies) are kept in each
-- instance's memory. A statement that changes what they are made of bumps one counter; every
-- request's session read brings the counter along (src/auth/session-store.ts), and an instance that
-- sees a new value drops its copies before the page is built (src/db/reference-cache.ts). So a
-- change shows on the next page of every instance, with no extra round trip and no message to lose.
-- Kept in the live schema, apart from Prisma's, like the announcements.
CREATE TABLE live.reference_stamp (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO live.reference_stamp (id, stamp) VALUES (1, 1);

CREATE FUNCTION live.bump_reference_stamp() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  UPDATE live.reference_stamp SET stamp = stamp + 1 WHERE id = 1;
  RETURN NULL;
END $$;

-- Users: only the columns the cached lists show or filter on (a sign-in's timestamp does not count).
CREATE TRIGGER users_reference_insert_delete AFTER INSERT OR DELETE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION live.bump_reference_stamp();
CREATE TRIGGER users_reference_update AFTER UPDATE OF name, role, active ON users
  FOR EACH STATEMENT EXECUTE FUNCTION live.bump_reference_stamp();
CREATE TRIGGER users_reference_truncate AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION live.bump_reference_stamp();
-- Saved replies: everything but the use counter, which changes on every use and is not cached.
CREATE TRIGGER canned_replies_reference_insert_delete AFTER INSERT OR DELETE ON canned_replies
  FOR EACH STATEMENT EXECUTE FUNCTION live.bump_reference_stamp();
CREATE TRIGGER canned_replies_reference_update
  AFTER UPDATE OF title, body, shortcut, category ON canned_replies
  FOR EACH STATEMENT EXECUTE FUNCTION live.bump_reference_stamp();
CREATE TRIGGER canned_replies_reference_truncate AFTER TRUNCATE ON canned_replies
  FOR EACH STATEMENT EXECUTE FUNCTION live.bump_reference_stamp();
