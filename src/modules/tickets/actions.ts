import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { actorOf } from '../../auth/actor.js';
import type { AppContext } from '../../context.js';
import { formAction, type Done } from '../../http/outcome.js';
import { expandShortcuts, ticketFillContext, withPickedReply } from '../canned-replies/service.js';
import { bulkUpdate } from './bulk.js';
import { mergeTickets } from './merge.js';
import {
  renderBulkRefused,
  renderConflict,
  renderEdit,
  renderEntryEdit,
  renderNew,
  renderShow,
} from './pages.js';
import { backTo, entryIdsOf, formValues, idOf, str } from './request.js';
import {
  assignForm,
  bulkForm,
  createForm,
  editForm,
  entryEditForm,
  entryForm,
  mergeForm,
  newQuery,
  statusForm,
} from './schema.js';
import { assignTicket, changeStatus, claimTicket, editTicket, getEditable } from './service.js';
import { createTicket } from './create.js';
import { addEntry, editEntry } from './thread.js';

const CREATE_FIELDS = ['subject', 'description', 'category', 'priority', 'idempotencyKey'];
const EDIT_FIELDS = ['subject', 'description', 'category', 'priority', 'version'];
const ENTRY_FIELDS = ['kind', 'channel', 'direction', 'body'];

const firstError = (errors: Record<string, string>) =>
  Object.values(errors)[0] ?? 'Check the form and try again.';

/** The source the form came from, so the form shown again keeps its pre-filled links. */
function createSource(req: Request) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const source = newQuery.parse({
    interactionId: body.interactionId,
    consultationId: body.consultationId,
    customerId: body.customerId,
  });
  return source.interactionId || source.consultationId
    ? { interactionId: source.interactionId, consultationId: source.consultationId }
    : { customerId: source.customerId };
}

export const createTicketAction = ({ db }: AppContext) =>
  formAction({
    schema: createForm,
    run: async (input, req) => {
      const { id, number, created } = await createTicket(db, actorOf(req), input);
      return created
        ? { message: `Ticket ${number} created.`, to: `/tickets/${id}` }
        : { message: `Ticket ${number} was already created.`, to: `/tickets/${id}`, kind: 'info' };
    },
    invalid: (req, res, errors) =>
      renderNew(db, res, {
        status: 422,
        source: createSource(req),
        values: formValues(req, CREATE_FIELDS),
        errors,
      }),
  });

export const editTicketAction = ({ db }: AppContext) =>
  formAction({
    schema: editForm,
    run: async (input, req) => {
      await editTicket(db, actorOf(req), idOf(req), input);
      return { message: 'Ticket saved.', to: `/tickets/${idOf(req)}` };
    },
    invalid: async (req, res, errors) =>
      renderEdit(res, await getEditable(db, idOf(req)), {
        status: 422,
        values: formValues(req, EDIT_FIELDS),
        errors,
      }),
    conflict: (req, res, error) =>
      renderConflict(db, req, res, {
        error,
        yours: { values: formValues(req, EDIT_FIELDS), attempted: null },
      }),
  });

/** A lost race or a resolved ticket is not a form error: the page says who has it instead. */
function claimOutcome(id: number, result: Awaited<ReturnType<typeof claimTicket>>): Done {
  const to = `/tickets/${id}`;
  if (result.ok) return { message: 'You now own this ticket.', to };
  if (result.ownerName)
    return { message: `Already claimed by ${result.ownerName}.`, to, kind: 'error' };
  return { message: 'A resolved ticket cannot be claimed.', to, kind: 'error' };
}

export const claimTicketAction = ({ db }: AppContext) =>
  formAction({
    // The claim button sends nothing but the CSRF token.
    schema: z.unknown(),
    run: async (_input, req) => {
      const id = idOf(req);
      return claimOutcome(id, await claimTicket(db, actorOf(req), id));
    },
  });

export const assignTicketAction = (ctx: AppContext) => {
  const { db } = ctx;
  return formAction({
    schema: assignForm,
    run: async ({ assigneeId, version }, req) => {
      await assignTicket(db, actorOf(req), idOf(req), { assigneeId, version });
      const message = assigneeId ? 'Ticket assigned.' : 'Ticket unassigned.';
      return { message, to: `/tickets/${idOf(req)}` };
    },
    invalid: (req, res, errors) =>
      renderShow(ctx, req, res, { status: 422, notice: firstError(errors) }),
    conflict: (req, res, error) =>
      renderConflict(db, req, res, {
        error,
        yours: { values: null, attempted: 'Assign the ticket' },
      }),
  });
};

export const changeStatusAction = (ctx: AppContext) => {
  const { db } = ctx;
  return formAction({
    schema: statusForm,
    run: async ({ status: to, version }, req) => {
      await changeStatus(db, actorOf(req), idOf(req), { to, version });
      const message = `Ticket ${to === 'open' ? 'reopened' : 'set to ' + to}.`;
      return { message, to: `/tickets/${idOf(req)}` };
    },
    invalid: (req, res, errors) =>
      renderShow(ctx, req, res, { status: 422, notice: firstError(errors) }),
    conflict: (req, res, error) => {
      const attempted = `Set status to ${str((req.body as Record<string, unknown>).status)}`;
      return renderConflict(db, req, res, { error, yours: { values: null, attempted } });
    },
  });
};

export const mergeTicketAction = (ctx: AppContext) => {
  const { db } = ctx;
  return formAction({
    schema: mergeForm,
    run: async ({ intoId, version }, req) => {
      const merged = await mergeTickets(db, actorOf(req), {
        duplicateId: idOf(req),
        survivorId: intoId,
        version,
      });
      const message = `${merged.duplicateNumber} merged into ${merged.survivorNumber}.`;
      return { message, to: `/tickets/${merged.survivorId}#thread` };
    },
    invalid: (req, res, errors) =>
      renderShow(ctx, req, res, { status: 422, notice: firstError(errors) }),
    conflict: (req, res, error) =>
      renderConflict(db, req, res, {
        error,
        yours: { values: null, attempted: 'Merge into another ticket' },
      }),
  });
};

/**
 * A canned reply picked in the thread form joins the typed text as its shortcut before the form is
 * read, so the text shown again after a refusal and the text saved are the same.
 */
export const pickCannedReply =
  ({ db }: AppContext) =>
  async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const raw = (req.body ?? {}) as Record<string, unknown>;
    req.body = { ...raw, body: await withPickedReply(db, str(raw.body), raw.cannedReplyId) };
    next();
  };

export const addEntryAction = (ctx: AppContext) => {
  const { db } = ctx;
  return formAction({
    schema: entryForm,
    run: async (input, req) => {
      const id = idOf(req);
      const actor = actorOf(req);
      const text = await expandShortcuts(db, input.body, await ticketFillContext(db, id, actor));
      await addEntry(db, actor, id, { ...input, body: text });
      const message = input.kind === 'note' ? 'Note added.' : 'Contact logged.';
      return { message, to: `/tickets/${id}#thread` };
    },
    invalid: (req, res, errors) =>
      renderShow(ctx, req, res, { status: 422, values: formValues(req, ENTRY_FIELDS), errors }),
  });
};

const ENTRY_CHANGED =
  'This entry changed since you opened it; its current text is below and yours is kept in the box.';

export const editEntryAction = ({ db }: AppContext) =>
  formAction({
    schema: entryEditForm,
    run: async (input, req) => {
      const ids = entryIdsOf(req);
      await editEntry(db, actorOf(req), ids, input);
      return { message: 'Entry updated.', to: `/tickets/${ids.ticketId}#entry-${ids.entryId}` };
    },
    invalid: (req, res, errors) =>
      renderEntryEdit(db, req, res, {
        status: 422,
        values: formValues(req, ['body', 'version']),
        errors,
      }),
    conflict: (req, res) =>
      renderEntryEdit(db, req, res, {
        status: 409,
        values: formValues(req, ['body', 'version']),
        errors: { form: ENTRY_CHANGED },
      }),
  });

export const bulkChangeAction = ({ db }: AppContext) =>
  formAction({
    schema: bulkForm,
    run: async (input, req) => {
      // The result page shows the outcome once; the session carries it across the redirect.
      req.session.ticketBulkResult = await bulkUpdate(db, actorOf(req), input);
      return {
        message: 'Bulk change done: what changed and what was skipped is listed below.',
        to: `/tickets/bulk?back=${encodeURIComponent(backTo(req))}`,
      };
    },
    invalid: (req, res, errors) =>
      renderBulkRefused(req, res, Object.values(errors)[0] ?? 'Choose tickets and an action.'),
  });
