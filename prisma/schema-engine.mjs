#!/usr/bin/env node
// Stand-in for Prisma's native schema-engine binary, which this project cannot download.
// It speaks the binary's protocol (argv, one-shot `cli` commands, JSON-RPC over stdio) and
// delegates every method to the WebAssembly build of the same engine version, talking to
// PostgreSQL through @prisma/adapter-pg. prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY here
// unless a real binary is configured.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const require = createRequire(import.meta.url);
const PG_CHAR_OID = 18;
const PG_CHAR_ARRAY_OID = 1002;
const PG_TEXT_OID = 25;
const PG_TEXT_ARRAY_OID = 1009;

function parseArgs(argv) {
  const args = { datamodels: [], datasource: {}, cli: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--datamodels') args.datamodels.push(argv[++i]);
    else if (arg === '--datasource') args.datasource = JSON.parse(argv[++i]);
    else if (arg === '--enabled-preview-features' || arg === '--extension-types') i++;
    else if (arg === '--version' || arg === '-V') args.version = true;
    else if (arg === 'cli') args.cli = argv.slice(i + 1);
  }
  return args;
}

function logLine(level, message, errorCode) {
  const fields = errorCode ? { message, error_code: errorCode } : { message };
  process.stderr.write(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      fields,
      target: 'schema_engine::logger',
    }) + '\n',
  );
}

// The engine's catalog queries return `"char"` columns, which adapter-pg rejects; text is what they hold.
function relabelCharColumns(result) {
  for (const res of Array.isArray(result) ? result : [result]) {
    for (const field of res?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
      if (field.dataTypeID === PG_CHAR_ARRAY_OID) field.dataTypeID = PG_TEXT_ARRAY_OID;
    }
  }
  return result;
}

class CatalogFriendlyClient extends pg.Client {
  query(config, values, callback) {
    // pg.Pool calls in with a callback, adapter transactions with promises: relabel both ways.
    if (typeof values === 'function')
      return super.query(config, (err, res) => values(err, res && relabelCharColumns(res)));
    if (typeof callback === 'function')
      return super.query(config, values, (err, res) =>
        callback(err, res && relabelCharColumns(res)),
      );
    return super.query(config, values).then(relabelCharColumns);
  }
}

async function adapterFor(url, onDispose) {
  const pool = new pg.Pool({ connectionString: url, max: 4, Client: CatalogFriendlyClient });
  const adapter = await new PrismaPg(pool).connect();
  // adapter-pg splits scripts on every `;`, which breaks function bodies and string literals.
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      adapter.onError(error);
    }
  };
  adapter.dispose = async () => {
    await pool.end();
    if (onDispose) await onDispose();
  };
  return adapter;
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = '/' + encodeURIComponent(database);
  return parsed.toString();
}

function adapterFactory(datasource) {
  return bindMigrationAwareSqlAdapterFactory({
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: () => adapterFor(datasource.url),
    connectToShadowDb: async () => {
      if (datasource.shadowDatabaseUrl) return adapterFor(datasource.shadowDatabaseUrl);
      const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll('-', '_')}`;
      const admin = new pg.Client({ connectionString: datasource.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      return adapterFor(withDatabase(datasource.url, name), async () => {
        const dropper = new pg.Client({ connectionString: datasource.url });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await dropper.end();
      });
    },
  });
}

async function loadWasm() {
  globalThis.PRISMA_WASM_PANIC_REGISTRY ??= (() => {
    let message = '';
    return {
      set_message: (m) => {
        message = m;
      },
      get: () => message,
    };
  })();
  const bgPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bindings = await import(bgPath);
  const wasmBytes = readFileSync(bgPath.replace(/\.js$/, '.wasm'));
  const { instance } = await WebAssembly.instantiate(wasmBytes, {
    './schema_engine_bg.js': bindings,
  });
  bindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return bindings;
}

function pgErrorCode(error) {
  if (error?.code === '3D000') return 'P1003';
  if (error?.code === 'ECONNREFUSED') return 'P1001';
  return 'P1000';
}

async function runCli(datasource, [command]) {
  logLine('INFO', 'Starting schema engine CLI');
  const target = new URL(datasource.url);
  const database = decodeURIComponent(target.pathname.slice(1));
  const admin = new pg.Client({ connectionString: withDatabase(datasource.url, 'postgres') });
  try {
    if (command === 'can-connect-to-database') {
      const client = new pg.Client({ connectionString: datasource.url });
      await client.connect();
      await client.end();
    } else if (command === 'create-database') {
      await admin.connect();
      await admin.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    } else if (command === 'drop-database') {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${database.replaceAll('"', '""')}" WITH (FORCE)`);
    } else {
      throw new Error(`Unknown cli command ${command}`);
    }
    process.stdout.write(JSON.stringify({ result: database }) + '\n');
    return 0;
  } catch (error) {
    logLine('ERROR', error?.message ?? String(error), pgErrorCode(error));
    return 1;
  } finally {
    await admin.end().catch(() => {});
  }
}

function engineError(error) {
  const message = error?.message ?? String(error);
  return {
    code: 4466,
    message: 'An error happened. Check the data field for details.',
    data: { is_panic: false, message, error_code: error?.code ?? null, meta: error?.meta ?? null },
  };
}

async function serve(args) {
  const bindings = await loadWasm();
  const log = (line) => process.stderr.write(String(line) + '\n');
  // `migrate diff` starts the engine with no --datamodels: the wasm engine wants none then, not [].
  const datamodels = args.datamodels.length
    ? args.datamodels.map((path) => [path, readFileSync(path, 'utf8')])
    : undefined;
  const engine = await bindings.SchemaEngine.new(
    { datamodels },
    log,
    adapterFactory(args.datasource),
  );
  const send = (message) =>
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
  let outboundId = 1_000_000;

  const methods = {
    getDatabaseVersion: (params) => engine.version(params),
    diff: async (params) => {
      const { exitCode, stdout } = await engine.diff(params);
      if (stdout) send({ method: 'print', params: { content: stdout }, id: outboundId++ });
      return { exitCode };
    },
  };

  let inFlightId = null;
  // A Rust panic traps the wasm instance outside any promise; report it as the binary would.
  process.on('uncaughtException', (error) => {
    const message = globalThis.PRISMA_WASM_PANIC_REGISTRY.get() || error.message;
    send({
      id: inFlightId,
      error: {
        ...engineError(error),
        data: { is_panic: true, message, error_code: null, meta: null },
      },
    });
    process.exit(1);
  });

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const message = JSON.parse(line);
    if (message.method === undefined) continue; // a reply to our own `print` request
    inFlightId = message.id;
    try {
      const method = methods[message.method] ?? ((params) => engine[message.method](params));
      if (!methods[message.method] && typeof engine[message.method] !== 'function') {
        send({
          id: message.id,
          error: { code: -32601, message: `Method not found: ${message.method}` },
        });
        continue;
      }
      const result = await method(message.params ?? {});
      send({ id: message.id, result: result ?? {} });
    } catch (error) {
      send({ id: message.id, error: engineError(error) });
    }
  }
  engine.free();
}

const args = parseArgs(process.argv.slice(2));
if (args.version) {
  console.log('schema-engine-wasm-standin 7.10.0');
  process.exit(0);
}
if (args.cli) process.exit(await runCli(args.datasource, args.cli));
await serve(args);
process.exit(0);
