-- Metrics rollups: the metrics page sums small per-bucket rows instead of scanning a month of
-- each table. Every writer keeps them current in its own transaction: statement triggers with
-- transition tables turn the changed rows into signed contributions (old rows -1, new rows +1),
-- add them up per bucket and upsert the net change (a change that moves no figure writes nothing).
-- Back-dated rows, reopened tickets, status changes and deletes are all the same case: the old
-- row's contribution goes, the new row's comes. TRUNCATE empties the matching rollup.
--
-- Grain: 15-minute UTC buckets. Every zone's UTC offset since 1980 is a whole number of quarter
-- hours (India +5:30, Nepal +5:45, Chatham +12:45; the last exception, Kiritimati's -10:40, ended
-- in 1979), so each local day in any zone is an exact run of buckets and summing them per local
-- day is exact. Hourly buckets would not be: they would split India's and Nepal's midnights. Figures counted over all time (customers,
-- lifetime value) also keep UTC-day rows (`daily`), so "everything before T" is a few hundred day
-- rows plus at most a day of quarter hours.
--
-- Averages are kept as exact sums and counts (numeric seconds), so any range divides one by the
-- other exactly as a recount would. Counting distinct payers cannot be summed, so each payer's
-- first paid payment is kept (metrics.payers) and counted once, in the bucket where it falls.
-- The schema is apart from Prisma's, like `live`: these tables are derived, not part of the model.
CREATE SCHEMA metrics;

CREATE FUNCTION metrics.q(at TIMESTAMP) RETURNS TIMESTAMP LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN date_bin('15 minutes', at, TIMESTAMP '2000-01-01');

CREATE TABLE metrics.consultations (
    bucket TIMESTAMP PRIMARY KEY,
    total INTEGER NOT NULL, completed INTEGER NOT NULL, pending INTEGER NOT NULL,
    secs NUMERIC NOT NULL, secs_n INTEGER NOT NULL
);
CREATE TABLE metrics.interactions (
    bucket TIMESTAMP PRIMARY KEY,
    total INTEGER NOT NULL, active INTEGER NOT NULL, resolved INTEGER NOT NULL,
    fr NUMERIC NOT NULL, fr_n INTEGER NOT NULL, dur BIGINT NOT NULL, dur_n INTEGER NOT NULL
);
-- Per-person figures are totals over the range only, so they have rollups of their own (with
-- day rows): the per-day series then sums one row per quarter hour, however many people there are.
CREATE TABLE metrics.interaction_agents (
    daily BOOLEAN NOT NULL, bucket TIMESTAMP NOT NULL, agent_id INTEGER NOT NULL,
    total INTEGER NOT NULL, dur BIGINT NOT NULL, dur_n INTEGER NOT NULL,
    PRIMARY KEY (daily, bucket, agent_id)
);
CREATE TABLE metrics.tickets (
    bucket TIMESTAMP PRIMARY KEY,
    created INTEGER NOT NULL, open INTEGER NOT NULL,
    billing INTEGER NOT NULL, appointment INTEGER NOT NULL, technical INTEGER NOT NULL, medical INTEGER NOT NULL,
    urgent INTEGER NOT NULL, high INTEGER NOT NULL, medium INTEGER NOT NULL, low INTEGER NOT NULL,
    resolved INTEGER NOT NULL, secs NUMERIC NOT NULL, met INTEGER NOT NULL
);
-- Tickets resolved by no one in particular count under resolver 0.
CREATE TABLE metrics.ticket_resolvers (
    daily BOOLEAN NOT NULL, bucket TIMESTAMP NOT NULL, resolver_id INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    PRIMARY KEY (daily, bucket, resolver_id)
);
CREATE TABLE metrics.escalations (
    bucket TIMESTAMP PRIMARY KEY,
    raised INTEGER NOT NULL, pending INTEGER NOT NULL, in_progress INTEGER NOT NULL,
    admin INTEGER NOT NULL, doctor INTEGER NOT NULL, resolved INTEGER NOT NULL, secs NUMERIC NOT NULL
);
CREATE TABLE metrics.payments (
    daily BOOLEAN NOT NULL, bucket TIMESTAMP NOT NULL,
    paid_minor BIGINT NOT NULL, payers INTEGER NOT NULL,
    PRIMARY KEY (daily, bucket)
);
CREATE TABLE metrics.payers (
    customer_id INTEGER PRIMARY KEY,
    first_paid_at TIMESTAMP NOT NULL
);
CREATE TABLE metrics.customers (
    daily BOOLEAN NOT NULL, bucket TIMESTAMP NOT NULL,
    created INTEGER NOT NULL, active INTEGER NOT NULL,
    PRIMARY KEY (daily, bucket)
);

-- Both grains of one instant, for the tables counted over all time.
CREATE FUNCTION metrics.grains(at TIMESTAMP) RETURNS TABLE (daily BOOLEAN, bucket TIMESTAMP)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ VALUES (false, metrics.q(at)), (true, date_trunc('day', at)) $$;

-- Each rollup's contributions, as SQL over `src` (rows of the source table plus a sign `s`).
CREATE FUNCTION metrics.contributions(rollup TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE rollup
  WHEN 'consultations' THEN $q$
    SELECT metrics.q(created_at) AS bucket, s AS total,
           s * (status = 'completed')::int AS completed, s * (status = 'pending')::int AS pending,
           CASE WHEN status = 'completed' AND ended_at IS NOT NULL AND started_at IS NOT NULL
                THEN s * extract(epoch FROM ended_at - started_at) ELSE 0 END AS secs,
           s * (status = 'completed' AND ended_at IS NOT NULL AND started_at IS NOT NULL)::int AS secs_n
      FROM src $q$
  WHEN 'interactions' THEN $q$
    SELECT metrics.q(started_at) AS bucket, s AS total,
           s * (status = 'active')::int AS active, s * (status = 'resolved')::int AS resolved,
           coalesce(s * extract(epoch FROM first_response_at - started_at), 0) AS fr,
           s * (first_response_at IS NOT NULL)::int AS fr_n,
           CASE WHEN status = 'resolved' THEN s * coalesce(duration_seconds, 0) ELSE 0 END::bigint AS dur,
           s * (status = 'resolved' AND duration_seconds IS NOT NULL)::int AS dur_n
      FROM src $q$
  WHEN 'interaction_agents' THEN $q$
    SELECT g.daily, g.bucket, agent_id, s AS total,
           CASE WHEN status = 'resolved' THEN s * coalesce(duration_seconds, 0) ELSE 0 END::bigint AS dur,
           s * (status = 'resolved' AND duration_seconds IS NOT NULL)::int AS dur_n
      FROM src CROSS JOIN metrics.grains(started_at) g $q$
  -- Resolution time leaves out time spent pending; SLA met against the targets in force when the
  -- ticket was created (as tickets/queries.ts SLA_TARGET_IN_FORCE).
  WHEN 'tickets' THEN $q$
    SELECT metrics.q(created_at) AS bucket, s AS created,
           s * (status IN ('open', 'pending', 'escalated'))::int AS open,
           s * (category = 'billing')::int AS billing, s * (category = 'appointment')::int AS appointment,
           s * (category = 'technical')::int AS technical, s * (category = 'medical')::int AS medical,
           s * (priority = 'urgent')::int AS urgent, s * (priority = 'high')::int AS high,
           s * (priority = 'medium')::int AS medium, s * (priority = 'low')::int AS low,
           0 AS resolved, 0::numeric AS secs, 0 AS met
      FROM src
    UNION ALL
    SELECT metrics.q(t.resolved_at), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, t.s,
           t.s * (extract(epoch FROM t.resolved_at - t.created_at) - t.paused_seconds),
           t.s * coalesce(extract(epoch FROM t.resolved_at - t.created_at) - t.paused_seconds
                          <= v.resolution_mins * 60, false)::int
      FROM src t LEFT JOIN LATERAL (
             SELECT v.resolution_mins FROM sla_target_versions v
              WHERE v.priority = t.priority AND v.effective_from <= t.created_at
              ORDER BY v.effective_from DESC LIMIT 1) v ON true
     WHERE t.status = 'resolved' AND t.resolved_at IS NOT NULL $q$
  WHEN 'ticket_resolvers' THEN $q$
    SELECT g.daily, g.bucket, coalesce(resolved_by_id, 0) AS resolver_id, s AS resolved
      FROM src CROSS JOIN metrics.grains(resolved_at) g
     WHERE status = 'resolved' AND resolved_at IS NOT NULL $q$
  WHEN 'escalations' THEN $q$
    SELECT metrics.q(created_at) AS bucket, s AS raised,
           s * (status = 'pending')::int AS pending, s * (status = 'in_progress')::int AS in_progress,
           s * (target_type = 'admin')::int AS admin, s * (target_type = 'doctor')::int AS doctor,
           0 AS resolved, 0::numeric AS secs
      FROM src
    UNION ALL
    SELECT metrics.q(resolved_at), 0, 0, 0, 0, 0, s, s * extract(epoch FROM resolved_at - created_at)
      FROM src WHERE status IN ('resolved', 'closed') AND resolved_at IS NOT NULL $q$
  WHEN 'payments' THEN $q$
    SELECT g.daily, g.bucket, s::bigint * amount_minor AS paid_minor, 0 AS payers
      FROM src CROSS JOIN metrics.grains(paid_at) g
     WHERE status = 'paid' AND paid_at IS NOT NULL $q$
  WHEN 'customers' THEN $q$
    SELECT g.daily, g.bucket, s AS created, 0 AS active
      FROM src CROSS JOIN metrics.grains(created_at) g
    UNION ALL
    SELECT g.daily, g.bucket, 0, s FROM src CROSS JOIN metrics.grains(last_activity_at) g
     WHERE last_activity_at IS NOT NULL $q$
  END
$$;

-- The statement that adds the net contributions of `src` to a rollup, in key order (so two
-- statements touching the same buckets lock them in the same order).
CREATE FUNCTION metrics.apply_sql(rollup TEXT, src TEXT) RETURNS TEXT LANGUAGE plpgsql STABLE AS $$
DECLARE
  keys TEXT[];
  cols TEXT[];
BEGIN
  SELECT array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE i.indisprimary IS NOT NULL),
         array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE i.indisprimary IS NULL)
    INTO keys, cols
    FROM pg_attribute a
    LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY (i.indkey)
   WHERE a.attrelid = format('metrics.%I', rollup)::regclass AND a.attnum > 0 AND NOT a.attisdropped;
  RETURN format(
    'WITH src AS (%s) INSERT INTO metrics.%I AS m (%s) SELECT %s, %s FROM (%s) c GROUP BY %s'
    ' HAVING %s ORDER BY %s ON CONFLICT (%s) DO UPDATE SET %s',
    src, rollup,
    array_to_string(keys || cols, ', '),
    array_to_string(keys, ', '),
    (SELECT string_agg(format('sum(%I)', c), ', ') FROM unnest(cols) c),
    metrics.contributions(rollup),
    array_to_string(keys, ', '),
    (SELECT string_agg(format('sum(%I) <> 0', c), ' OR ') FROM unnest(cols) c),
    array_to_string(keys, ', '),
    array_to_string(keys, ', '),
    (SELECT string_agg(format('%1$I = m.%1$I + excluded.%1$I', c), ', ') FROM unnest(cols) c));
END $$;

-- Payers: customers of the changed payments get their first paid payment recomputed, and the
-- bucket counts move where it moved (locking first: see the triggers below).
CREATE FUNCTION metrics.payers_sql(src TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE
  RETURN format($q$
    WITH src AS (%s),
    now_first AS (
      SELECT c.customer_id, min(p.paid_at) AS first
        FROM (SELECT DISTINCT customer_id FROM src) c
        LEFT JOIN payments p ON p.customer_id = c.customer_id AND p.status = 'paid' AND p.paid_at IS NOT NULL
       GROUP BY c.customer_id),
    moved AS (
      SELECT n.customer_id, n.first, m.first_paid_at AS was
        FROM now_first n LEFT JOIN metrics.payers m USING (customer_id)
       WHERE n.first IS DISTINCT FROM m.first_paid_at),
    put AS (
      INSERT INTO metrics.payers (customer_id, first_paid_at)
      SELECT customer_id, first FROM moved WHERE first IS NOT NULL
      ON CONFLICT (customer_id) DO UPDATE SET first_paid_at = excluded.first_paid_at),
    gone AS (
      DELETE FROM metrics.payers m USING moved
       WHERE m.customer_id = moved.customer_id AND moved.first IS NULL)
    INSERT INTO metrics.payments AS m (daily, bucket, paid_minor, payers)
    SELECT g.daily, g.bucket, 0, sum(x.n)
      FROM (SELECT first AS at, 1 AS n FROM moved WHERE first IS NOT NULL
            UNION ALL SELECT was, -1 FROM moved WHERE was IS NOT NULL) x
     CROSS JOIN metrics.grains(x.at) g
     GROUP BY 1, 2 HAVING sum(x.n) <> 0 ORDER BY 1, 2
    ON CONFLICT (daily, bucket) DO UPDATE SET payers = m.payers + excluded.payers $q$, src);

CREATE FUNCTION metrics.on_truncate() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  rollup TEXT;
BEGIN
  FOREACH rollup IN ARRAY TG_ARGV LOOP
    EXECUTE format('TRUNCATE metrics.%I', rollup);
  END LOOP;
  IF TG_ARGV[0] = 'payments' THEN TRUNCATE metrics.payers; END IF;
  RETURN NULL;
END $$;

-- Recounts one rollup from its source table (used once below, and after bulk loads that run
-- with triggers disabled).
CREATE FUNCTION metrics.rebuild(source TEXT, rollup TEXT) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  src TEXT := format('SELECT 1 AS s, * FROM public.%I', source);
BEGIN
  EXECUTE format('LOCK TABLE public.%I IN SHARE MODE', source);
  EXECUTE format('TRUNCATE metrics.%I', rollup);
  IF rollup = 'payments' THEN
    TRUNCATE metrics.payers;
    EXECUTE metrics.payers_sql(src);
  END IF;
  EXECUTE metrics.apply_sql(rollup, src);
END $$;

-- A changed SLA target can change "met" for tickets created since it took effect (resolved no
-- earlier than that): those buckets' "met" is recounted.
CREATE FUNCTION metrics.on_sla_change() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  since TIMESTAMP;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN SELECT min(effective_from) INTO since FROM old_rows; END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN
    SELECT least(since, min(effective_from)) INTO since FROM new_rows;
  END IF;
  IF since IS NULL THEN RETURN NULL; END IF;
  since := metrics.q(since);
  LOCK TABLE metrics.tickets IN EXCLUSIVE MODE;
  UPDATE metrics.tickets SET met = 0 WHERE bucket >= since AND met <> 0;
  INSERT INTO metrics.tickets AS m (bucket, created, open, billing, appointment, technical,
                                    medical, urgent, high, medium, low, resolved, secs, met)
  SELECT metrics.q(t.resolved_at), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
         count(*) FILTER (WHERE extract(epoch FROM t.resolved_at - t.created_at) - t.paused_seconds
                                <= v.resolution_mins * 60)
    FROM support_tickets t LEFT JOIN LATERAL (
           SELECT v.resolution_mins FROM sla_target_versions v
            WHERE v.priority = t.priority AND v.effective_from <= t.created_at
            ORDER BY v.effective_from DESC LIMIT 1) v ON true
   WHERE t.status = 'resolved' AND t.resolved_at >= since
   GROUP BY 1 ORDER BY 1
  ON CONFLICT (bucket) DO UPDATE SET met = m.met + excluded.met;
  RETURN NULL;
END $$;

-- One trigger function per table and event, written out here with the table's statements as
-- static SQL, so each session plans them once. For payments, locks come first, in a statement
-- of their own, so that the payers recount after it reads with a snapshot including every
-- earlier writer's commit: a few customers take a transaction lock each (in id order) under a
-- shared lock on metrics.payers; a bulk change (too many customers for the lock table) takes
-- metrics.payers for itself instead.
DO $$
DECLARE
  source TEXT;
  rollups TEXT[];
  op TEXT;
  src TEXT;
  transition TEXT;
  body TEXT;
  rollup TEXT;
BEGIN
  FOR source, rollups IN VALUES
    ('consultations', ARRAY['consultations']), ('interactions', ARRAY['interactions', 'interaction_agents']),
    ('support_tickets', ARRAY['tickets', 'ticket_resolvers']), ('escalations', ARRAY['escalations']),
    ('payments', ARRAY['payments']), ('customers', ARRAY['customers'])
  LOOP
    FOR op, src, transition IN VALUES
      ('insert', 'SELECT 1 AS s, * FROM new_rows', 'NEW TABLE AS new_rows'),
      ('update', 'SELECT -1 AS s, * FROM old_rows UNION ALL SELECT 1, * FROM new_rows',
                 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
      ('delete', 'SELECT -1 AS s, * FROM old_rows', 'OLD TABLE AS old_rows')
    LOOP
      body := '';
      FOREACH rollup IN ARRAY rollups LOOP
        body := body || metrics.apply_sql(rollup, src) || E';\n';
      END LOOP;
      IF source = 'payments' THEN
        body := body || format($b$
          SELECT count(DISTINCT customer_id) INTO customers FROM (%1$s) x;
          IF customers > 64 THEN
            LOCK TABLE metrics.payers IN EXCLUSIVE MODE;
          ELSE
            LOCK TABLE metrics.payers IN ROW EXCLUSIVE MODE;
            PERFORM pg_advisory_xact_lock(hashtext('metrics.payers'), customer_id)
               FROM (SELECT DISTINCT customer_id FROM (%1$s) x ORDER BY 1) c;
          END IF;
          %2$s;
        $b$, src, metrics.payers_sql(src));
      END IF;
      EXECUTE format('CREATE FUNCTION metrics.%I() RETURNS TRIGGER LANGUAGE plpgsql AS %L',
        source || '_' || op, E'DECLARE\n  customers INTEGER;\nBEGIN\n' || body || E'RETURN NULL;\nEND');
      EXECUTE format('CREATE TRIGGER %I AFTER %s ON public.%I REFERENCING %s'
        ' FOR EACH STATEMENT EXECUTE FUNCTION metrics.%I()',
        source || '_metrics_' || op, upper(op), source, transition, source || '_' || op);
    END LOOP;
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON public.%I'
      ' FOR EACH STATEMENT EXECUTE FUNCTION metrics.on_truncate(%s)', source || '_metrics_truncate', source,
      (SELECT string_agg(quote_literal(r), ', ') FROM unnest(rollups) r));
    FOREACH rollup IN ARRAY rollups LOOP
      PERFORM metrics.rebuild(source, rollup);
    END LOOP;
  END LOOP;
END $$;

CREATE TRIGGER sla_target_versions_metrics_insert AFTER INSERT ON sla_target_versions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.on_sla_change();
CREATE TRIGGER sla_target_versions_metrics_update AFTER UPDATE ON sla_target_versions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION metrics.on_sla_change();
CREATE TRIGGER sla_target_versions_metrics_delete AFTER DELETE ON sla_target_versions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics.on_sla_change();
