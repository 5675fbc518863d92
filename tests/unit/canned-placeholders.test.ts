import { describe, expect, it } from 'vitest';
import {
  fillPlaceholders,
  unknownPlaceholders,
} from '../../src/modules/canned-replies/placeholders.js';
import { replyFields } from '../../src/modules/canned-replies/schema.js';

describe('saved reply placeholders', () => {
  it('when a reply uses a placeholder the library does not know, then saving it is refused naming it', () => {
    const parsed = replyFields.safeParse({
      title: 'Hi',
      category: 'general',
      shortcut: 'hi',
      body: 'Dear {{customer.nickname}}',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0].message).toMatch(
      /^Unknown placeholder \{\{customer\.nickname\}\}\./,
    );
    expect(unknownPlaceholders('{{ ticket.number }} {{x}} {{x}} {{agent.name}}')).toEqual(['x']);
  });

  it('when filled, then known values replace placeholders and one the record lacks becomes a dash', () => {
    const text =
      'Hi {{customer.firstName}}, {{agent.name}} here about {{ticket.number}} ({{consultation.reference}}).';
    const filled = fillPlaceholders(text, {
      customer: { firstName: 'Ada', lastName: 'Obi', fullName: 'Ada Obi' },
      ticket: { number: 'TKT-ABCDEFGH', subject: 'Refund' },
      agent: { name: 'Amaka Agent' },
      consultation: null,
    });
    expect(filled).toBe('Hi Ada, Amaka Agent here about TKT-ABCDEFGH (—).');
  });

  it('when a shortcut is typed with a leading semicolon or capitals, then it is stored bare and lower-case', () => {
    const parsed = replyFields.parse({
      title: 'T',
      category: 'c',
      shortcut: ';Refund_2',
      body: 'x',
    });
    expect(parsed.shortcut).toBe('refund_2');
    expect(
      replyFields.safeParse({ title: 'T', category: 'c', shortcut: 'has space', body: 'x' })
        .success,
    ).toBe(false);
  });
});
