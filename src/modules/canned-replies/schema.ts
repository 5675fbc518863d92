import { z } from 'zod';
import { requiredText } from '../../http/fields.js';
import { versionField } from '../../http/params.js';
import { KNOWN_PLACEHOLDERS, SHORTCUT_FORMAT, unknownPlaceholders } from './placeholders.js';

export const replyFields = z.object({
  title: requiredText('title', 120),
  category: requiredText('category', 40),
  shortcut: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().replace(/^;/, '').toLowerCase() : ''),
    z
      .string()
      .regex(
        SHORTCUT_FORMAT,
        'Use 2–30 letters, digits, - or _ (typed after a semicolon, like ;refund).',
      ),
  ),
  body: requiredText('text', 5000).superRefine((body, ctx) => {
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
