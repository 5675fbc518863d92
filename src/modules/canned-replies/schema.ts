import { z } from 'zod';
import { versionField } from '../../http/params.js';
import { KNOWN_PLACEHOLDERS, SHORTCUT_FORMAT, unknownPlaceholders } from './placeholders.js';

export { fieldErrors } from '../../http/forms.js';

const text = (label: string, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z
      .string()
      .min(1, `Enter a ${label}.`)
      .max(max, `Keep the ${label} under ${max.toLocaleString('en')} characters.`),
  );

export const replyFields = z.object({
  title: text('title', 120),
  category: text('category', 40),
  shortcut: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().replace(/^;/, '').toLowerCase() : ''),
    z
      .string()
      .regex(
        SHORTCUT_FORMAT,
        'Use 2–30 letters, digits, - or _ (typed after a semicolon, like ;refund).',
      ),
  ),
  body: text('text', 5000).superRefine((body, ctx) => {
    const unknown = unknownPlaceholders(body);
    if (unknown.length) {
      const list = unknown.map((n) => `{{${n}}}`).join(', ');
      ctx.addIssue({
        code: 'custom',
        message: `Unknown placeholder ${list}. Known: ${KNOWN_PLACEHOLDERS.join(', ')}.`,
      });
    }
  }),
});
export type ReplyInput = z.infer<typeof replyFields>;

export const replyEditForm = replyFields.extend({ version: versionField });
