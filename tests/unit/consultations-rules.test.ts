import { describe, expect, it } from 'vitest';
import { TransitionError } from '../../src/errors.js';
import {
  TRANSITIONS,
  assertTransition,
  badgesFor,
  canTransition,
  stampsFor,
} from '../../src/modules/consultations/lifecycle.js';
import { csvCell, csvLine } from '../../src/lib/csv.js';
import { createForm, listQuery } from '../../src/modules/consultations/schema.js';

const STATUSES = ['pending', 'scheduled', 'completed', 'cancelled'] as const;
const LEGAL = new Set([
  'pending>scheduled',
  'pending>cancelled',
  'scheduled>completed',
  'scheduled>cancelled',
]);

describe('consultation lifecycle table', () => {
  for (const from of STATUSES) {
    for (const to of STATUSES) {
      const legal = LEGAL.has(`${from}>${to}`);
      it(`when moving ${from} → ${to}, then it is ${legal ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(legal);
        if (legal) expect(() => assertTransition(from, to)).not.toThrow();
        else expect(() => assertTransition(from, to)).toThrow(TransitionError);
      });
    }
  }
  it('when completed or cancelled, then no move is left (terminal states)', () => {
    expect(TRANSITIONS.completed).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
  });
  it('when a consultation moves, then the right timestamps are stamped', () => {
    const now = new Date('2026-01-01T10:00:00Z');
    expect(stampsFor('scheduled', { startedAt: null }, now)).toEqual({ scheduledAt: now });
    expect(stampsFor('completed', { startedAt: null }, now)).toEqual({
      endedAt: now,
      startedAt: now,
    });
    const earlier = new Date('2026-01-01T09:00:00Z');
    expect(stampsFor('completed', { startedAt: earlier }, now)).toEqual({ endedAt: now });
    expect(stampsFor('cancelled', { startedAt: null }, now)).toEqual({ cancelledAt: now });
  });
});

describe('badges', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  it('when pending over an hour, then it is flagged as needing a doctor', () => {
    expect(
      badgesFor(
        {
          status: 'pending',
          paymentModel: 'pay_later',
          paymentStatus: 'unpaid',
          createdAt: new Date('2026-01-01T10:59:00Z'),
        },
        now,
      ).map((b) => b.label),
    ).toEqual(['needs a doctor']);
    expect(
      badgesFor(
        {
          status: 'pending',
          paymentModel: 'pay_later',
          paymentStatus: 'unpaid',
          createdAt: new Date('2026-01-01T11:30:00Z'),
        },
        now,
      ),
    ).toEqual([]);
  });
  it('when completed, unpaid and pay-later, then it is flagged as request payment', () => {
    expect(
      badgesFor(
        { status: 'completed', paymentModel: 'pay_later', paymentStatus: 'unpaid', createdAt: now },
        now,
      ).map((b) => b.label),
    ).toEqual(['request payment']);
    expect(
      badgesFor(
        {
          status: 'completed',
          paymentModel: 'pay_later',
          paymentStatus: 'pending',
          createdAt: now,
        },
        now,
      ),
    ).toEqual([]);
    expect(
      badgesFor(
        { status: 'completed', paymentModel: 'pay_first', paymentStatus: 'unpaid', createdAt: now },
        now,
      ),
    ).toEqual([]);
  });
});

describe('CSV cells', () => {
  it('when a cell holds commas, quotes or newlines, then it is quoted', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell(null)).toBe('');
    expect(csvLine(['x', 1])).toBe('x,1\r\n');
  });
  it('when a cell starts like a formula, then it is neutralised', () => {
    for (const evil of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '=HYPERLINK("x")']) {
      const cell = csvCell(evil);
      expect(cell.replace(/^"/, '').startsWith("'")).toBe(true);
    }
  });
});

describe('schemas', () => {
  it('when filter values are bad, then they are ignored', () => {
    const q = listQuery.parse({
      status: 'bogus',
      doctorId: 'abc',
      from: '2026-13-45',
      mode: ['video', 'chat'],
      after: 'nonsense',
    });
    expect(q.status).toBeUndefined();
    expect(q.doctorId).toBeUndefined();
    expect(q.from).toBeUndefined();
    expect(q.mode).toBeUndefined();
    expect(q.after).toBeUndefined();
  });
  it('when the payment model is pay first, then payment confirmation is required', () => {
    const r = createForm.safeParse({
      customerId: '1',
      mode: 'video',
      paymentModel: 'pay_first',
      amount: '5000',
    });
    expect(r.success).toBe(false);
    const ok = createForm.safeParse({
      customerId: '1',
      mode: 'video',
      paymentModel: 'pay_first',
      amount: '5000.50',
      paymentConfirmation: 'TRX-12345',
    });
    expect(ok.success && ok.data.amount).toBe(500050);
  });
});
