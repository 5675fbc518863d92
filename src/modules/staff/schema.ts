import { z } from 'zod';
import { versionField } from '../../http/params.js';
import { ALL_ROLES } from '../../auth/actor.js';
import type { Role } from '../../generated/prisma/enums.js';
import { pageQuery } from '../../http/pagination.js';

const roleField = z.enum(ALL_ROLES as [Role, ...Role[]], { error: 'Choose a role.' });

const text = (max: number, required: string) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.trim() : ''),
    z.string().min(1, required).max(max, `Keep it under ${max} characters.`),
  );

export const addForm = z
  .object({
    name: text(120, 'Enter the person’s name.'),
    email: z.preprocess(
      (value) => (typeof value === 'string' ? value.trim().toLowerCase() : ''),
      z
        .email({ error: 'Enter a valid email address.' })
        .max(254, 'Keep the email under 254 characters.'),
    ),
    role: roleField,
    specialization: z.preprocess(
      (value) => (typeof value === 'string' ? value.trim() : ''),
      z.string().max(120, 'Keep it under 120 characters.'),
    ),
  })
  .refine((value) => value.role !== 'doctor' || value.specialization.length > 0, {
    path: ['specialization'],
    message: 'Doctors need a specialization (e.g. General practice).',
  });
export type AddInput = z.infer<typeof addForm>;

export const roleForm = z.object({
  role: roleField,
  version: versionField,
  specialization: z.string().trim().max(120).optional().catch(undefined),
});
export type RoleInput = z.infer<typeof roleForm>;

export { availabilityForm } from '../account/schema.js';

/** List filters: unknown values are ignored rather than refused. */
export const listQuery = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  role: roleField.optional().catch(undefined),
  status: z.enum(['active', 'disabled']).optional().catch(undefined),
  page: pageQuery,
});
export type ListQuery = z.infer<typeof listQuery>;
