/** SLA clocks for a support ticket. Pure: no I/O, `now` is passed in. */

export const DUE_SOON_SECONDS = 3600;

export interface SlaTarget {
  firstResponseMins: number;
  resolutionMins: number;
}

export interface SlaTicket {
  status: 'open' | 'pending' | 'resolved' | 'escalated' | 'merged';
  createdAt: Date;
  /** A merged ticket's clocks stop when it is merged; the survivor's keep running. */
  mergedAt?: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  pendingSince: Date | null;
  pausedSeconds: number;
}

/**
 * met / missed: the clock has stopped (responded, resolved) within / after its target.
 * ok / due_soon / breached: running. paused: the resolution clock while the ticket is pending.
 */
export type ClockState = 'met' | 'missed' | 'ok' | 'due_soon' | 'breached' | 'paused';

export interface Clock {
  state: ClockState;
  targetSeconds: number;
  elapsedSeconds: number;
  /** target − elapsed; negative when overdue. */
  remainingSeconds: number;
  /** When the clock runs out if it keeps running; null once stopped or while paused. */
  dueAt: Date | null;
}

export interface Sla {
  firstResponse: Clock;
  resolution: Clock;
  breached: boolean;
  dueSoon: boolean;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

function running(target: number, elapsed: number, now: Date): Clock {
  const remaining = target - elapsed;
  const state: ClockState =
    remaining < 0 ? 'breached' : remaining <= DUE_SOON_SECONDS ? 'due_soon' : 'ok';
  return {
    state,
    targetSeconds: target,
    elapsedSeconds: elapsed,
    remainingSeconds: remaining,
    dueAt: new Date(now.getTime() + remaining * 1000),
  };
}

function stopped(target: number, elapsed: number): Clock {
  return {
    state: elapsed <= target ? 'met' : 'missed',
    targetSeconds: target,
    elapsedSeconds: elapsed,
    remainingSeconds: target - elapsed,
    dueAt: null,
  };
}

function closedAt(ticket: SlaTicket): Date | null {
  return ticket.resolvedAt ?? (ticket.status === 'merged' ? (ticket.mergedAt ?? null) : null);
}

/** Seconds the resolution clock has run: wall time minus every pending period (closed and current). */
export function resolutionElapsedSeconds(ticket: SlaTicket, now: Date): number {
  const end = closedAt(ticket) ?? now;
  const currentPause = ticket.pendingSince
    ? Math.max(0, end.getTime() - ticket.pendingSince.getTime())
    : 0;
  return Math.max(
    0,
    seconds(end.getTime() - ticket.createdAt.getTime() - currentPause) -
      Math.max(0, ticket.pausedSeconds),
  );
}

export function computeSla(ticket: SlaTicket, target: SlaTarget, now: Date): Sla {
  const frTarget = target.firstResponseMins * 60;
  const firstResponse = ticket.firstResponseAt
    ? stopped(
        frTarget,
        Math.max(0, seconds(ticket.firstResponseAt.getTime() - ticket.createdAt.getTime())),
      )
    : closedAt(ticket)
      ? stopped(
          frTarget,
          Math.max(0, seconds(closedAt(ticket)!.getTime() - ticket.createdAt.getTime())),
        )
      : running(frTarget, Math.max(0, seconds(now.getTime() - ticket.createdAt.getTime())), now);

  const resTarget = target.resolutionMins * 60;
  const elapsed = resolutionElapsedSeconds(ticket, now);
  let resolution: Clock;
  if ((ticket.status === 'resolved' || ticket.status === 'merged') && closedAt(ticket)) {
    resolution = stopped(resTarget, elapsed);
  } else if (ticket.pendingSince) {
    const remaining = resTarget - elapsed;
    resolution = {
      state: remaining < 0 ? 'breached' : 'paused',
      targetSeconds: resTarget,
      elapsedSeconds: elapsed,
      remainingSeconds: remaining,
      dueAt: null,
    };
  } else {
    resolution = running(resTarget, elapsed, now);
  }
  const open = ticket.status !== 'resolved' && ticket.status !== 'merged';
  return {
    firstResponse,
    resolution,
    breached: open && (firstResponse.state === 'breached' || resolution.state === 'breached'),
    dueSoon:
      open &&
      firstResponse.state !== 'breached' &&
      resolution.state !== 'breached' &&
      (firstResponse.state === 'due_soon' || resolution.state === 'due_soon'),
  };
}

/** Targets for a ticket created before any were set. */
export const FALLBACK_TARGET: SlaTarget = { firstResponseMins: 480, resolutionMins: 4320 };
