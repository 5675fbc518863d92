// Baseline for `npm run bench`: a bare Express handler that runs the ticket list query with `pg`
// and renders the same rows with EJS, without session, CSRF, helmet or any other middleware.
// Run as a child process: prints `BASELINE_PORT=<port>` once listening.
import ejs from 'ejs';
import express from 'express';
import pg from 'pg';

const TEMPLATE =
  ejs.compile(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tickets</title></head><body><main>
<h1>Tickets</h1>
<table><thead><tr><th scope="col">Number</th><th scope="col">Subject</th><th scope="col">Customer</th><th scope="col">Category</th><th scope="col">Priority</th><th scope="col">Status</th><th scope="col">Assignee</th><th scope="col">Created</th></tr></thead>
<tbody><% rows.forEach(function (t) { %><tr><td><a href="/tickets/<%= t.id %>"><%= t.number %></a></td><td><%= t.subject %></td><td><a href="/customers/<%= t.customer_id %>"><%= t.full_name %></a></td><td><%= t.category %></td><td><span class="badge badge-<%= t.priority %>"><%= t.priority %></span></td><td><span class="badge badge-<%= t.status %>"><%= t.status %></span></td><td><%= t.assignee || 'Unassigned' %></td><td><time datetime="<%= t.created_at.toISOString() %>"><%= t.created_at.toISOString().slice(0, 16).replace('T', ' ') %></time></td></tr><% }) %></tbody></table>
</main></body></html>`);

// The same filter and page as /tickets?view=all&status=open&priority=high: newest first, 25 rows (+1 to know if there are more).
const LIST = `
  SELECT t.id, t.number, t.subject, t.category, t.priority, t.status, t.created_at, t.first_response_at, t.resolved_at,
         t.pending_since, t.paused_seconds, t.customer_id, c.full_name, u.name AS assignee
    FROM support_tickets t JOIN customers c ON c.id = t.customer_id LEFT JOIN users u ON u.id = t.assignee_id
   WHERE t.status = $1 AND t.priority = $2
   ORDER BY t.created_at DESC, t.id DESC LIMIT 26`;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', () => {});
const app = express();
app.get('/tickets', async (req, res) => {
  const status = typeof req.query.status === 'string' ? req.query.status : 'open';
  const priority = typeof req.query.priority === 'string' ? req.query.priority : 'high';
  const { rows } = await pool.query(LIST, [status, priority]);
  res.type('html').send(TEMPLATE({ rows: rows.slice(0, 25) }));
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `BASELINE_PORT=${typeof address === 'object' && address ? address.port : 0}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
