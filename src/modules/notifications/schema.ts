import { z } from 'zod';
import { recordId } from '../../http/params.js';

export const readForm = z.object({ id: recordId, open: z.literal('1').optional() });
