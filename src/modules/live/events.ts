import type { Role } from '../../generated/prisma/enums.js';

/** The NOTIFY channel every instance listens on. */
export const CHANNEL = 'caredesk_live';

/** One committed change, as numbered at commit: never any text, only what changed and its version. */
export interface LiveEvent {
  seq: number;
  kind: string;
  recordId: number | null;
  version: number | null;
  /** Set when the event concerns one user only (their notifications); never sent to the browser. */
  userId: number | null;
}

export interface Listener {
  userId: number;
  role: Role;
}

// Tickets and interactions are staff records: their changes go to staff streams only.
const STAFF_ONLY = new Set(['ticket', 'interaction']);

export function addressedTo(event: LiveEvent, listener: Listener): boolean {
  if (event.userId !== null) return event.userId === listener.userId;
  return !(STAFF_ONLY.has(event.kind.split('.')[0]) && listener.role === 'doctor');
}

// One event goes to every stream of the instance: its frame is written once.
const frames = new WeakMap<LiveEvent, string>();

/** The SSE frame: the browser gets the kind, the record id and its version. */
export function frame(event: LiveEvent): string {
  let text = frames.get(event);
  if (text === undefined) {
    const data = JSON.stringify({ kind: event.kind, id: event.recordId, version: event.version });
    text = `id: ${event.seq}\ndata: ${data}\n\n`;
    frames.set(event, text);
  }
  return text;
}

const int = (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) ? value : null;

/** A NOTIFY payload or a live_events row, checked field by field. */
export function parseEvent(raw: unknown): LiveEvent | null {
  const r = raw as Record<string, unknown> | null;
  const seq = int(typeof r?.seq === 'string' ? Number(r.seq) : r?.seq);
  if (!r || seq === null || typeof r.kind !== 'string') return null;
  return {
    seq,
    kind: r.kind,
    recordId: int(r.recordId),
    version: int(r.version),
    userId: int(r.userId),
  };
}
