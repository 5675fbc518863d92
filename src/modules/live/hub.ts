import pg from 'pg';
import { logger } from '../../logger.js';
import {
  addressedTo,
  CHANNEL,
  frame,
  parseEvent,
  type LiveEvent,
  type Listener,
} from './events.js';

export interface LiveOptions {
  heartbeatMs: number;
  retentionMinutes: number;
  presenceTtlSeconds: number;
  /** How long the LISTEN connection stays up after the last stream on this instance closes. */
  idleMs?: number;
}

/** One browser tab's stream on this instance. */
export class Stream {
  lastSeq = 0;
  private held: LiveEvent[] | null = [];

  constructor(
    readonly listener: Listener,
    private readonly write: (text: string) => void,
  ) {}

  deliver(event: LiveEvent): void {
    if (this.held) this.held.push(event);
    else this.send(event);
  }

  /** Sends the backlog, then what arrived meanwhile: each event once, in order. */
  start(from: number, backlog: LiveEvent[]): void {
    this.lastSeq = from;
    const held = this.held ?? [];
    this.held = null;
    for (const event of [...backlog, ...held]) this.send(event);
  }

  raw(text: string): void {
    this.write(text);
  }

  private send(event: LiveEvent): void {
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    if (addressedTo(event, this.listener)) this.write(frame(event));
  }
}

const AFTER_SEQ = `SELECT seq, kind, record_id AS "recordId", version, user_id AS "userId"
  FROM live.events WHERE seq > $1 ORDER BY seq`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * The instance's side of the live desk: one LISTEN connection (opened when the first stream
 * arrives, re-opened by itself when it drops, with what was committed meanwhile read back from
 * live.events), fanned out to this instance's streams.
 */
export class LiveDesk {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private readonly streams = new Set<Stream>();
  private lastSeq = 0;
  private queue: LiveEvent[] | null = null;
  private timers: NodeJS.Timeout[] = [];
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: LiveOptions,
  ) {}

  get streamCount(): number {
    return this.streams.size;
  }

  /** Resolves once this instance is listening. */
  ready(): Promise<void> {
    if (this.client) return Promise.resolve();
    return (this.connecting ??= this.connect().finally(() => (this.connecting = null)));
  }

  /**
   * Registers a stream and starts it after `from` (the browser's Last-Event-ID), or from now.
   * Answers false when `from` lies outside the stored window: the tab must reload what it shows.
   */
  async open(
    listener: Listener,
    write: (text: string) => void,
    from: number | null,
  ): Promise<{ stream: Stream; complete: boolean }> {
    await this.ready();
    const stream = new Stream(listener, write);
    this.streams.add(stream);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    try {
      const { rows } = await this.pool.query<{ min: string | null; max: string | null }>(
        'SELECT min(seq)::text AS min, max(seq)::text AS max FROM live.events WHERE seq IS NOT NULL',
      );
      const [min, max] = [Number(rows[0].min ?? 0), Number(rows[0].max ?? 0)];
      const complete = from === null || (from >= min - 1 && from <= max);
      if (from === null || !complete) {
        stream.start(max, []);
        return { stream, complete };
      }
      const backlog = await this.pool.query(AFTER_SEQ, [from]);
      stream.start(
        from,
        backlog.rows.map(parseEvent).filter((e): e is LiveEvent => e !== null),
      );
      return { stream, complete };
    } catch (error) {
      this.remove(stream);
      throw error;
    }
  }

  remove(stream: Stream): void {
    this.streams.delete(stream);
    if (this.streams.size || this.closed) return;
    this.idleTimer = setTimeout(() => this.disconnect(), this.options.idleMs ?? 30_000);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.disconnect();
  }

  private disconnect(): void {
    const client = this.client;
    this.client = null;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    client?.removeAllListeners('end');
    client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    let delay = 250;
    while (!this.closed) {
      const client = new pg.Client(this.pool.options);
      client.on('error', () => this.lost(client));
      try {
        await client.connect();
        client.on('notification', (message) => this.notified(message.payload));
        client.on('end', () => this.lost(client));
        this.queue = [];
        await client.query(`LISTEN ${CHANNEL}`);
        this.client = client;
        await this.catchUp();
        this.startTimers();
        return;
      } catch (error) {
        this.queue = null;
        client.removeAllListeners('end');
        client.end().catch(() => {});
        logger.warn('live: cannot listen, retrying', {
          delayMs: delay,
          error: (error as Error).message,
        });
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
    throw new Error('The live desk is shut down.');
  }

  /** After (re)connecting: publish what committed while nobody listened, then what queued meanwhile. */
  private async catchUp(): Promise<void> {
    const { rows } =
      this.streams.size && this.lastSeq
        ? await this.pool.query(AFTER_SEQ, [this.lastSeq])
        : { rows: [] };
    if (!this.streams.size || !this.lastSeq) {
      const max = await this.pool.query<{ max: string | null }>(
        'SELECT max(seq)::text AS max FROM live.events',
      );
      this.lastSeq = Math.max(this.lastSeq, Number(max.rows[0].max ?? 0));
    }
    const queued = this.queue ?? [];
    this.queue = null;
    for (const event of [...rows.map(parseEvent), ...queued]) if (event) this.publish(event);
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    client.end().catch(() => {});
    if (this.closed || !this.streams.size) return;
    logger.warn('live: LISTEN connection lost, reconnecting');
    this.ready().catch(() => {});
  }

  private notified(payload: string | undefined): void {
    let event: LiveEvent | null;
    try {
      event = parseEvent(JSON.parse(payload ?? ''));
    } catch {
      return;
    }
    if (!event) return;
    if (this.queue) this.queue.push(event);
    else this.publish(event);
  }

  private publish(event: LiveEvent): void {
    if (event.seq <= this.lastSeq) return;
    this.lastSeq = event.seq;
    for (const stream of this.streams) stream.deliver(event);
  }

  private startTimers(): void {
    const every = (ms: number, task: () => Promise<unknown>) => {
      const timer = setInterval(() => void task().catch(() => {}), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.options.heartbeatMs, () => this.heartbeat());
    every(Math.max(1_000, (this.options.presenceTtlSeconds * 1_000) / 3), () =>
      this.sweepPresence(),
    );
    every(60_000, () => this.prune());
  }

  /** Keeps proxies from closing idle streams, and finds out early if LISTEN died silently. */
  private async heartbeat(): Promise<void> {
    for (const stream of this.streams) stream.raw(': heartbeat\n\n');
    const client = this.client;
    if (!client) return;
    try {
      await client.query('SELECT 1');
    } catch {
      this.lost(client);
    }
  }

  /** Tabs that stopped reporting are gone; their records' pages are told. */
  private async sweepPresence(): Promise<void> {
    await this.pool.query(
      `WITH gone AS (
         DELETE FROM presence WHERE seen_at < now() - make_interval(secs => $1) RETURNING record_type, record_id)
       SELECT live.announce(record_type || '.presence', record_id, NULL, NULL)
         FROM (SELECT DISTINCT record_type, record_id FROM gone) g`,
      [this.options.presenceTtlSeconds],
    );
  }

  private async prune(): Promise<void> {
    await this.pool.query(
      `DELETE FROM live.events WHERE created_at < now() - make_interval(mins => $1)
          AND seq < (SELECT max(seq) FROM live.events)`,
      [this.options.retentionMinutes],
    );
  }
}
