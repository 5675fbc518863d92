import { z } from 'zod';
import { formKey, optionalDay, requiredText } from '../../http/fields.js';
import { optionalId, requiredId, versionField } from '../../http/params.js';

export const CATEGORIES = ['billing', 'appointment', 'technical', 'medical'] as const;
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const STATUSES = ['open', 'pending', 'resolved', 'escalated', 'merged'] as const;
export const VIEWS = ['mine', 'unassigned', 'all'] as const;

const optionalText = (max: number) =>
  z
    .preprocess(
      (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined),
      z.string().max(max).optional(),
    )
    .catch(undefined);

export const listQuery = z.object({
  view: z.enum(VIEWS).optional().catch(undefined),
  status: z.enum(STATUSES).optional().catch(undefined),
  category: z.enum(CATEGORIES).optional().catch(undefined),
  priority: z.enum(PRIORITIES).optional().catch(undefined),
  assignee: z
    .preprocess(
      (v) =>
        v === 'none'
          ? 'none'
          : typeof v === 'string' && /^\d{1,9}$/.test(v)
            ? Number(v)
            : undefined,
      z.union([z.literal('none'), z.number()]).optional(),
    )
    .catch(undefined),
  customer: optionalText(120),
  from: optionalDay,
  to: optionalDay,
  q: optionalText(120),
  sla: z.enum(['breached', 'due_soon']).optional().catch(undefined),
});
export type ListQuery = z.infer<typeof listQuery>;

export const newQuery = z.object({
  interactionId: optionalId,
  consultationId: optionalId,
  customerId: optionalId,
  q: optionalText(120),
});

const ticketFields = {
  category: z.enum(CATEGORIES, { error: 'Choose a category.' }),
  priority: z.preprocess(
    (v) => (v === undefined || v === '' ? 'medium' : v),
    z.enum(PRIORITIES, { error: 'Choose a priority.' }),
  ),
  subject: requiredText('subject', 200),
  description: requiredText('description', 10_000),
};

export const createForm = z.object({
  customerId: requiredId('Choose a customer.'),
  interactionId: optionalId,
  consultationId: optionalId,
  ...ticketFields,
  idempotencyKey: formKey,
});
export type CreateInput = z.infer<typeof createForm>;

export const editForm = z.object({ ...ticketFields, version: versionField });
export type EditInput = z.infer<typeof editForm>;

export const statusForm = z.object({
  status: z.enum(['open', 'pending', 'resolved'], { error: 'Choose a status.' }),
  version: versionField,
});

export const assignForm = z.object({
  assigneeId: z.preprocess(
    (v) =>
      v === '' || v === 'none'
        ? null
        : typeof v === 'string' && /^\d{1,9}$/.test(v)
          ? Number(v)
          : v,
    z.number({ error: 'Choose someone.' }).int().positive().nullable(),
  ),
  version: versionField,
});

export const CONTACT_CHANNELS = ['call', 'whatsapp', 'email', 'sms'] as const;
export const CONTACT_DIRECTIONS = ['outbound', 'inbound'] as const;
export const ENTRY_MAX = 10_000;

const entryBody = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim() : ''),
  z
    .string()
    .min(1, 'Write something before saving.')
    .max(ENTRY_MAX, `Keep an entry under ${ENTRY_MAX.toLocaleString('en')} characters.`),
);

/** A note needs only its text; a contact entry also its channel and direction. */
export const entryForm = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('note'), body: entryBody }),
    z.object({
      kind: z.literal('contact'),
      channel: z.enum(CONTACT_CHANNELS, { error: 'Choose how you were in touch.' }),
      direction: z.enum(CONTACT_DIRECTIONS, { error: 'Choose who reached out.' }),
      body: entryBody,
    }),
  ],
  { error: 'Choose a note or a contact entry.' },
);
export type EntryInput = z.infer<typeof entryForm>;

export const entryEditForm = z.object({ body: entryBody, version: versionField });

export const BULK_ACTIONS = ['assign', 'priority', 'status'] as const;
const idList = z.preprocess(
  (v) => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []),
  z
    .array(z.string().regex(/^\d{1,9}$/))
    .max(100)
    .transform((ids) => [...new Set(ids.map(Number))]),
);

/** The list's selection: checked rows, or every row of the page when "all on this page" is ticked. */
export const bulkForm = z
  .looseObject({
    ids: idList.catch([]),
    pageIds: z
      .preprocess((v) => (typeof v === 'string' && v ? v.split(',') : []), idList)
      .catch([]),
    all: z.literal('1').optional().catch(undefined),
    action: z.enum(BULK_ACTIONS, { error: 'Choose what to do with the selected tickets.' }),
    assigneeId: assignForm.shape.assigneeId.optional(),
    priority: z.enum(PRIORITIES).optional().catch(undefined),
    status: statusForm.shape.status.optional().catch(undefined),
  })
  .transform(({ ids, pageIds, all, action, assigneeId, priority, status, ...rest }, ctx) => {
    const selected = all ? pageIds : ids;
    if (!selected.length)
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'Select at least one ticket.' });
    const value = action === 'assign' ? assigneeId : action === 'priority' ? priority : status;
    if (value === undefined) {
      const what = {
        assign: 'someone to assign them to',
        priority: 'a priority',
        status: 'a status',
      }[action];
      ctx.addIssue({ code: 'custom', path: [action], message: `Choose ${what}.` });
    }
    // Each row carries the version the list was loaded with, as v_<id>.
    const versions = new Map<number, number>();
    for (const id of selected) {
      const raw = (rest as Record<string, unknown>)[`v_${id}`];
      if (typeof raw === 'string' && /^\d{1,9}$/.test(raw)) versions.set(id, Number(raw));
    }
    return { ids: selected, versions, action, value: value ?? null } as BulkRequest;
  });

export type BulkRequest =
  | { ids: number[]; versions: Map<number, number>; action: 'assign'; value: number | null }
  | {
      ids: number[];
      versions: Map<number, number>;
      action: 'priority';
      value: (typeof PRIORITIES)[number];
    }
  | {
      ids: number[];
      versions: Map<number, number>;
      action: 'status';
      value: 'open' | 'pending' | 'resolved';
    };

export const mergeForm = z.object({
  intoId: z.preprocess(
    (v) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : v),
    z.number({ error: 'Choose the ticket to keep.' }),
  ),
  version: versionField,
});
