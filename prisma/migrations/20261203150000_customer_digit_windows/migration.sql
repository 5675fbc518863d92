-- "The last four digits" is how a caller is most often looked up, and it is the search the trigram
-- indexes serve worst. They return their matches in no order, so the newest 25 are only known
-- after every match is read: for four digits that is about one customer in a thousand, 245 rows
-- on the large seed against 8 on the small one, and it grows with the table.
--
-- search.customer_digits keeps every four-digit window of a customer's digits (the phone's, and
-- any run of digits in the name or email), with the customer's join time. Its primary key walks
-- one window's customers newest first, so a search for four digits reads the page it shows and
-- stops. A string of four digits is inside a text exactly when it is one of the four-digit windows
-- of a run of digits there, so the results are those of the LIKE search it replaces.
--
-- Derived, like `metrics` and `live`, so it is apart from Prisma's schema. Kept by the database
-- in the writer's own transaction, so every writer (the service, the seeds, a script) keeps it.
CREATE SCHEMA search;

-- Four digits are stored as their number: the width is fixed, so "0110" and "110" never meet.
CREATE TABLE search.customer_digits (
    digits SMALLINT NOT NULL,
    created_at TIMESTAMP(3) NOT NULL,
    customer_id INTEGER NOT NULL,
    PRIMARY KEY (digits, created_at, customer_id)
);

-- The space keeps a run from spanning the phone and the search text.
CREATE FUNCTION search.digit_windows(phone_digits TEXT, search_text TEXT) RETURNS SETOF SMALLINT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT DISTINCT substr(run[1], i, 4)::SMALLINT
    FROM regexp_matches(phone_digits || ' ' || search_text, '[0-9]{4,}', 'g') AS run,
         generate_series(1, length(run[1]) - 3) AS i
$$;

-- Inserts come in bulk from the seeds, so they are handled per statement.
CREATE FUNCTION search.customers_added() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO search.customer_digits (digits, created_at, customer_id)
  SELECT w, a.created_at, a.id FROM added a, search.digit_windows(a.phone_digits, a.search_text) w;
  RETURN NULL;
END $$;

CREATE FUNCTION search.customers_removed() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search.customer_digits d
   USING removed r, search.digit_windows(r.phone_digits, r.search_text) w
   WHERE d.digits = w AND d.created_at = r.created_at AND d.customer_id = r.id;
  RETURN NULL;
END $$;

-- Updates touch one customer at a time, and most (its last activity) change none of the columns.
CREATE FUNCTION search.customer_changed() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM search.customer_digits
   WHERE digits IN (SELECT search.digit_windows(OLD.phone_digits, OLD.search_text))
     AND created_at = OLD.created_at AND customer_id = OLD.id;
  INSERT INTO search.customer_digits (digits, created_at, customer_id)
  SELECT w, NEW.created_at, NEW.id FROM search.digit_windows(NEW.phone_digits, NEW.search_text) w;
  RETURN NULL;
END $$;

CREATE FUNCTION search.customers_truncated() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE search.customer_digits;
  RETURN NULL;
END $$;

CREATE TRIGGER customers_digits_insert AFTER INSERT ON customers
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION search.customers_added();
CREATE TRIGGER customers_digits_delete AFTER DELETE ON customers
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION search.customers_removed();
-- search_text is set by a BEFORE trigger when the name or email changes, and a column list only
-- sees the columns an UPDATE names, so the name and email are listed too.
CREATE TRIGGER customers_digits_update
  AFTER UPDATE OF phone_digits, full_name, email, search_text, created_at ON customers
  FOR EACH ROW WHEN (OLD.phone_digits IS DISTINCT FROM NEW.phone_digits
                     OR OLD.search_text IS DISTINCT FROM NEW.search_text
                     OR OLD.created_at IS DISTINCT FROM NEW.created_at)
  EXECUTE FUNCTION search.customer_changed();
CREATE TRIGGER customers_digits_truncate AFTER TRUNCATE ON customers
  FOR EACH STATEMENT EXECUTE FUNCTION search.customers_truncated();

INSERT INTO search.customer_digits (digits, created_at, customer_id)
SELECT w, c.created_at, c.id
  FROM customers c, search.digit_windows(c.phone_digits, c.search_text) w;
