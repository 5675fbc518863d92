import { describe, expect, it } from 'vitest';
import { findMentions } from '../../src/modules/notifications/mentions.js';

const staff = [
  { id: 1, name: 'Ada Obi' },
  { id: 2, name: 'Ada Obi-Eze' },
  { id: 3, name: 'Bola Ade' },
];

describe('finding @mentions', () => {
  it('when a note names colleagues after @, then exactly those are found, case-insensitively', () => {
    expect(findMentions('Hi @bola ade, see @Ada Obi-Eze.', staff).sort()).toEqual([2, 3]);
    expect(findMentions('@Ada Obi please call', staff)).toEqual([1]);
  });

  it('when a name only appears without @, inside an email, or run into a word, then nobody is mentioned', () => {
    expect(findMentions('Ada Obi called; mail ada@Bola Ade.test; @Bola Adeyemi', staff)).toEqual(
      [],
    );
  });
});
