import { Router, type Request, type Response } from 'express';
import { ALL_ROLES, requireRole } from '../../http/guards.js';
import type { LiveDesk } from './hub.js';

/** Browsers wait this long before reconnecting a dropped stream. */
export const RETRY_MS = 2_000;

function lastEventId(req: Request): number | null {
  const raw =
    req.get('Last-Event-ID') ??
    (typeof req.query.lastEventId === 'string' ? req.query.lastEventId : '');
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

export function liveRouter(live: LiveDesk, options: { streamMs: number }): Router {
  const r = Router();

  /** One stream per tab: kinds, ids and versions of committed changes, resumable by Last-Event-ID. */
  const events = async (req: Request, res: Response) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const listener = { userId: req.user!.id, role: req.user!.role };
    const { stream, complete } = await live.open(
      listener,
      (text) => res.write(text),
      lastEventId(req),
    );
    // Sent once the stream is registered: from here on, nothing committed is missed. The page
    // marks itself live on `ready` (public/js/live.js), so a reader can tell when that point is.
    res.write(`retry: ${RETRY_MS}\nid: ${stream.lastSeq}\nevent: ready\ndata: {}\n\n`);
    // Events from before the stored window are gone: the page reloads what it shows instead.
    if (!complete) stream.raw(`id: ${stream.lastSeq}\nevent: reset\ndata: {}\n\n`);
    const end = setTimeout(() => res.end(), options.streamMs);
    req.on('close', () => {
      clearTimeout(end);
      live.remove(stream);
    });
    if (req.destroyed) live.remove(stream);
  };

  r.get('/', requireRole(...ALL_ROLES), events);
  return r;
}
