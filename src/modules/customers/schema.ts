import { z } from 'zod';
import { pageQuery } from '../../http/pagination.js';

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export const ACTIVITIES = ['active', 'new', 'inactive'] as const;
export type Activity = (typeof ACTIVITIES)[number];

export const listQuery = z.object({
  q: z.preprocess((v) => (typeof v === 'string' ? v.replace(/\p{Cc}/gu, ' ').trim().slice(0, 100) : undefined), z.string().optional()).catch(undefined),
  activity: z.preprocess(blankToUndefined, z.enum(ACTIVITIES).optional()).catch(undefined),
  sort: z.preprocess(blankToUndefined, z.enum(['joined', 'recent']).optional()).catch(undefined),
  page: pageQuery,
});
export type ListQuery = z.infer<typeof listQuery>;

export const revealForm = z.object({
  reason: z.preprocess((v) => (typeof v === 'string' ? v.trim() : ''), z.string().min(10, 'Give a reason of at least 10 characters').max(500, 'Keep the reason under 500 characters')),
  returnTo: z.string().regex(/^\/consultations\/\d{1,10}$/).optional().catch(undefined),
});

