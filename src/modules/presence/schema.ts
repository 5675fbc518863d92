import { z } from 'zod';
import { versionOrNone } from '../../http/params.js';
import { recordId } from '../../http/params.js';

export const PRESENCE_TYPES = ['ticket', 'interaction', 'escalation', 'consultation'] as const;
export type PresenceType = (typeof PRESENCE_TYPES)[number];

const tabId = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'Not a tab id.');

export const reportForm = z.object({
  recordType: z.enum(PRESENCE_TYPES),
  recordId,
  tabId,
  editing: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1'),
});

export const leaveForm = z.object({ tabId });

export const presenceQuery = z.object({
  type: z.enum(PRESENCE_TYPES),
  id: recordId,
  version: versionOrNone.optional().catch(undefined),
});
