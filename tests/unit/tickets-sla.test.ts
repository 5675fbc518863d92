import { describe, expect, it } from 'vitest';
import {
  computeSla,
  resolutionElapsedSeconds,
  type SlaTicket,
} from '../../src/modules/tickets/sla.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const URGENT = { firstResponseMins: 60, resolutionMins: 240 };
const MEDIUM = { firstResponseMins: 480, resolutionMins: 4320 };

function ticket(overrides: Partial<SlaTicket> = {}): SlaTicket {
  return {
    status: 'open',
    createdAt: T0,
    firstResponseAt: null,
    resolvedAt: null,
    pendingSince: null,
    pausedSeconds: 0,
    ...overrides,
  };
}

describe('SLA clock', () => {
  it('when a ticket is new, then both clocks run from creation with time left', () => {
    const sla = computeSla(ticket(), URGENT, at(10));
    expect(sla.firstResponse.state).toBe('due_soon'); // 50 minutes left ≤ 1 hour
    expect(sla.firstResponse.remainingSeconds).toBe(50 * 60);
    expect(sla.firstResponse.dueAt).toEqual(at(60));
    expect(sla.resolution.state).toBe('ok');
    expect(sla.resolution.remainingSeconds).toBe(230 * 60);
    expect(sla.resolution.dueAt).toEqual(at(240));
    expect(sla.breached).toBe(false);
    expect(sla.dueSoon).toBe(true);
  });

  it('when far from both deadlines, then it is ok', () => {
    const sla = computeSla(ticket(), MEDIUM, at(10));
    expect(sla.firstResponse.state).toBe('ok');
    expect(sla.resolution.state).toBe('ok');
    expect(sla.dueSoon).toBe(false);
  });

  it('when the first-response target passes without a response, then it is overdue', () => {
    const sla = computeSla(ticket(), URGENT, at(61));
    expect(sla.firstResponse.state).toBe('breached');
    expect(sla.firstResponse.remainingSeconds).toBe(-60);
    expect(sla.breached).toBe(true);
    expect(sla.dueSoon).toBe(false);
  });

  it('when a response is made, then the first-response clock stops (met or missed)', () => {
    expect(
      computeSla(ticket({ firstResponseAt: at(30) }), URGENT, at(500)).firstResponse.state,
    ).toBe('met');
    const late = computeSla(ticket({ firstResponseAt: at(90) }), URGENT, at(100));
    expect(late.firstResponse.state).toBe('missed');
    expect(late.firstResponse.remainingSeconds).toBe(-30 * 60);
    expect(late.breached).toBe(false); // a missed response is history, not a live breach
  });

  it('when within the last hour of the resolution target, then it is due soon', () => {
    const sla = computeSla(ticket({ firstResponseAt: at(5) }), URGENT, at(200));
    expect(sla.resolution.state).toBe('due_soon');
    expect(sla.resolution.remainingSeconds).toBe(40 * 60);
  });

  it('when the resolution target passes, then resolution is breached', () => {
    const sla = computeSla(ticket({ firstResponseAt: at(5) }), URGENT, at(241));
    expect(sla.resolution.state).toBe('breached');
    expect(sla.breached).toBe(true);
  });

  it('when a pending period has closed, then it is not counted', () => {
    // 100 minutes were spent pending earlier: 300 wall minutes = 200 counted.
    const t = ticket({ firstResponseAt: at(5), pausedSeconds: 100 * 60 });
    const sla = computeSla(t, URGENT, at(300));
    expect(sla.resolution.elapsedSeconds).toBe(200 * 60);
    expect(sla.resolution.state).toBe('due_soon');
    expect(sla.resolution.dueAt).toEqual(at(340));
  });

  it('when pending, then the clock freezes', () => {
    const t = ticket({ status: 'pending', firstResponseAt: at(5), pendingSince: at(100) });
    const early = computeSla(t, URGENT, at(120));
    const late = computeSla(t, URGENT, at(10_000));
    expect(early.resolution.state).toBe('paused');
    expect(early.resolution.elapsedSeconds).toBe(100 * 60);
    expect(late.resolution.elapsedSeconds).toBe(100 * 60);
    expect(late.resolution.state).toBe('paused');
    expect(late.resolution.dueAt).toBeNull();
    expect(late.breached).toBe(false);
  });

  it('when paused before and pending now, then both are combined', () => {
    const t = ticket({
      status: 'pending',
      firstResponseAt: at(1),
      pausedSeconds: 30 * 60,
      pendingSince: at(200),
    });
    expect(resolutionElapsedSeconds(t, at(1000))).toBe(170 * 60);
  });

  it('when already overdue and then pending, then it stays breached', () => {
    const t = ticket({ status: 'pending', firstResponseAt: at(1), pendingSince: at(300) });
    expect(computeSla(t, URGENT, at(400)).resolution.state).toBe('breached');
  });

  it('when resolved, then the clock stops: met or missed, never breached', () => {
    const met = computeSla(
      ticket({ status: 'resolved', firstResponseAt: at(1), resolvedAt: at(200) }),
      URGENT,
      at(10_000),
    );
    expect(met.resolution.state).toBe('met');
    expect(met.breached).toBe(false);
    const missed = computeSla(
      ticket({
        status: 'resolved',
        firstResponseAt: at(1),
        resolvedAt: at(300),
        pausedSeconds: 30 * 60,
      }),
      URGENT,
      at(10_000),
    );
    expect(missed.resolution.elapsedSeconds).toBe(270 * 60);
    expect(missed.resolution.state).toBe('missed');
    expect(missed.breached).toBe(false);
    expect(missed.dueSoon).toBe(false);
  });

  it('when creation lies in the future (clock skew), then elapsed time is never negative', () => {
    const sla = computeSla(ticket({ createdAt: at(10) }), URGENT, at(0));
    expect(sla.firstResponse.elapsedSeconds).toBe(0);
    expect(sla.resolution.elapsedSeconds).toBe(0);
    expect(resolutionElapsedSeconds(ticket({ pausedSeconds: 10_000 }), at(1))).toBe(0);
  });

  it('when a ticket is merged, then its clocks stop at the merge and it never shows as breached afterwards', () => {
    const merged = ticket({ status: 'merged', mergedAt: at(30) });
    const sla = computeSla(merged, URGENT, at(10_000));
    expect(sla.firstResponse.state).toBe('met');
    expect(sla.firstResponse.elapsedSeconds).toBe(30 * 60);
    expect([sla.resolution.state, sla.resolution.elapsedSeconds]).toEqual(['met', 30 * 60]);
    expect(sla.breached).toBe(false);
  });
});
