-- The profile counts a customer's open tickets, sums what they paid and finds their open call.
-- Through the (customer, time) indexes each of these fetched every row of the customer's history
-- to test its status: 54 ms, 6 ms and 41 ms for a customer with 17,000 tickets and interactions.
-- These partial indexes hold only the rows each one asks for (predicates as the queries write
-- them, which is how PostgreSQL matches a partial index), so the work follows what is open.
CREATE INDEX "support_tickets_customer_open_idx" ON "support_tickets" ("customer_id")
  WHERE "status" IN ('open', 'pending', 'escalated');

CREATE INDEX "payments_customer_paid_idx" ON "payments" ("customer_id") INCLUDE ("amount_minor")
  WHERE "status" = 'paid';

CREATE INDEX "interactions_customer_open_idx" ON "interactions" ("customer_id", "started_at" DESC, "id" DESC)
  WHERE "status" IN ('active', 'pending');
