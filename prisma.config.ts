import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'prisma/config';

const root = path.dirname(fileURLToPath(import.meta.url));

// Prisma's native schema engine cannot be downloaded here; a real binary still wins when configured.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, 'prisma', 'schema-engine.mjs');

// With no DATABASE_URL, target the embedded server that `npm start` / `npm run db:migrate` runs.
function embeddedUrl(): string | undefined {
  const file = path.join(process.env.DATA_DIR ?? path.join(root, 'data'), 'database-url');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? embeddedUrl() ?? '' },
});
