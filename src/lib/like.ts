/**
 * Every LIKE/ILIKE pattern built from what a user typed goes through here, so `%`, `_` and `\`
 * match themselves (PostgreSQL's default LIKE escape character is the backslash). Prisma's
 * `contains` does not escape them either: pass it `escapeLike(text)`.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => '\\' + ch);
}

/** `%text%` with the text taken literally. */
export function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}
