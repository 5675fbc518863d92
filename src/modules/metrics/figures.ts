import { change, format, type Change, type Kind } from './format.js';
import type { Metrics, Period } from './service.js';

// The figures of the metrics page, one table per module: what each figure is called, how it is
// written and what exactly it counts (the definition is shown beside it and exported with it).

export interface Figure {
  key: string;
  label: string;
  value: string;
  previous: string;
  change: Change;
  definition: string;
  raw: number | null;
  rawPrevious: number | null;
}

export interface ModuleView {
  id: string;
  title: string;
  figures: Figure[];
}

interface FigureDefinition<T> {
  key: string;
  label: string;
  kind: Kind;
  value: (figures: T) => number | null;
  definition: string;
}

interface Section<T> {
  id: string;
  title: string;
  period: (m: Metrics) => Period<T>;
  figures: FigureDefinition<T>[];
}

function section<T>({ id, title, period, figures }: Section<T>) {
  return (m: Metrics): ModuleView => {
    const { current, previous } = period(m);
    return {
      id,
      title,
      figures: figures.map(({ key, label, kind, value, definition }) => ({
        key: `${id}.${key}`,
        label,
        value: format(kind, value(current)),
        previous: format(kind, value(previous)),
        change: change(value(current), value(previous), kind),
        definition,
        raw: value(current),
        rawPrevious: value(previous),
      })),
    };
  };
}

const CONSULTATIONS = section({
  id: 'consultations',
  title: 'Consultations',
  period: (m) => m.consultations,
  figures: [
    {
      key: 'total',
      label: 'Total consultations',
      kind: 'count',
      value: (f) => f.total,
      definition: 'Consultations created (booked) in the range, whatever their status now.',
    },
    {
      key: 'completed',
      label: 'Completed',
      kind: 'count',
      value: (f) => f.completed,
      definition: 'Of the consultations created in the range, those whose status is now completed.',
    },
    {
      key: 'pending',
      label: 'Pending',
      kind: 'count',
      value: (f) => f.pending,
      definition:
        'Of the consultations created in the range, those still pending ' +
        '(no doctor scheduled yet).',
    },
    {
      key: 'revenue',
      label: 'Revenue',
      kind: 'money',
      value: (f) => f.revenueMinor,
      definition:
        'Sum of payments with status paid whose paid_at falls in the range ' +
        '(refunded, pending and unpaid payments excluded), in NGN.',
    },
    {
      key: 'avgTime',
      label: 'Average consultation time',
      kind: 'duration',
      value: (f) => f.avgSeconds,
      definition:
        'Mean of ended_at − started_at over the completed consultations created in the range.',
    },
  ],
});

const INTERACTIONS = section({
  id: 'interactions',
  title: 'Interactions',
  period: (m) => m.interactions,
  figures: [
    {
      key: 'total',
      label: 'Total interactions',
      kind: 'count',
      value: (f) => f.total,
      definition: 'Interactions (chat, call, email) whose started_at falls in the range.',
    },
    {
      key: 'firstResponse',
      label: 'Average first-response time',
      kind: 'duration',
      value: (f) => f.avgFirstResponseSeconds,
      definition:
        'Mean of first_response_at − started_at over the interactions started in the range ' +
        'that have a first response.',
    },
    {
      key: 'active',
      label: 'Active',
      kind: 'count',
      value: (f) => f.active,
      definition: 'Of the interactions started in the range, those whose status is now active.',
    },
    {
      key: 'resolved',
      label: 'Resolved',
      kind: 'count',
      value: (f) => f.resolved,
      definition: 'Of the interactions started in the range, those whose status is now resolved.',
    },
    {
      key: 'avgDuration',
      label: 'Average duration',
      kind: 'duration',
      value: (f) => f.avgDurationSeconds,
      definition:
        'Mean of duration_seconds (ended_at − started_at) over the resolved interactions ' +
        'started in the range.',
    },
  ],
});

const TICKETS = section({
  id: 'tickets',
  title: 'Support tickets',
  period: (m) => m.tickets,
  figures: [
    {
      key: 'created',
      label: 'Tickets created',
      kind: 'count',
      value: (f) => f.created,
      definition: 'Tickets whose created_at falls in the range.',
    },
    {
      key: 'open',
      label: 'Open tickets',
      kind: 'count',
      value: (f) => f.open,
      definition: 'Of the tickets created in the range, those still open, pending or escalated.',
    },
    {
      key: 'resolved',
      label: 'Resolved tickets',
      kind: 'count',
      value: (f) => f.resolved,
      definition:
        'Tickets whose status is resolved and whose resolved_at falls in the range ' +
        '(a reopened ticket counts again when it is resolved again).',
    },
    {
      key: 'avgResolution',
      label: 'Average resolution time',
      kind: 'duration',
      value: (f) => f.avgResolutionSeconds,
      definition:
        'Mean of resolved_at − created_at − paused_seconds over the tickets resolved in the ' +
        'range: time spent pending (waiting on the customer) stops the clock and is not counted.',
    },
    {
      key: 'sla',
      label: 'SLA met',
      kind: 'percent',
      value: (f) => f.slaMetPct,
      definition:
        'Share of the tickets resolved in the range whose resolution time (as above, pauses ' +
        'excluded) is within the resolution target for their priority in the SLA targets. ' +
        'Change shown in percentage points.',
    },
  ],
});

const ESCALATIONS = section({
  id: 'escalations',
  title: 'Escalations',
  period: (m) => m.escalations,
  figures: [
    {
      key: 'raised',
      label: 'Escalations raised',
      kind: 'count',
      value: (f) => f.raised,
      definition: 'Escalations whose created_at falls in the range.',
    },
    {
      key: 'pending',
      label: 'Pending',
      kind: 'count',
      value: (f) => f.pending,
      definition:
        'Of the escalations raised in the range, those still pending ' +
        '(not yet taken by the admin or doctor).',
    },
    {
      key: 'inProgress',
      label: 'In progress',
      kind: 'count',
      value: (f) => f.inProgress,
      definition: 'Of the escalations raised in the range, those taken but not yet resolved.',
    },
    {
      key: 'resolved',
      label: 'Resolved',
      kind: 'count',
      value: (f) => f.resolved,
      definition: 'Escalations resolved or closed whose resolved_at falls in the range.',
    },
    {
      key: 'avgResolution',
      label: 'Average resolution time',
      kind: 'duration',
      value: (f) => f.avgResolutionSeconds,
      definition:
        'Mean of resolved_at − created_at over the escalations resolved or closed in the range.',
    },
  ],
});

const CUSTOMERS = section({
  id: 'customers',
  title: 'Customers',
  period: (m) => m.customers,
  figures: [
    {
      key: 'total',
      label: 'Total customers',
      kind: 'count',
      value: (f) => f.total,
      definition: 'Customers registered before the end of the range.',
    },
    {
      key: 'active',
      label: 'Active customers',
      kind: 'count',
      value: (f) => f.active,
      definition:
        'Customers whose last activity (last_activity_at: latest consultation, interaction, ' +
        'ticket or escalation) is within the 90 days before the end of the range.',
    },
    {
      key: 'new',
      label: 'New customers',
      kind: 'count',
      value: (f) => f.new,
      definition: 'Customers whose created_at falls in the range.',
    },
    {
      key: 'ltv',
      label: 'Customer lifetime value',
      kind: 'money',
      value: (f) => f.lifetimeValueMinor,
      definition:
        'Total of all paid payments up to the end of the range divided by the number of ' +
        'customers with at least one paid payment by then.',
    },
  ],
});

const SECTIONS = [CONSULTATIONS, INTERACTIONS, TICKETS, ESCALATIONS, CUSTOMERS];

export function moduleViews(m: Metrics): ModuleView[] {
  return SECTIONS.map((view) => view(m));
}
