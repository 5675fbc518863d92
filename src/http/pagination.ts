import { z } from 'zod';
import { filterParams, withQuery } from './query-string.js';

export const PAGE_SIZE = 25;

export const pageQuery = z.coerce.number().int().min(1).max(10_000).catch(1);

export interface PageView {
  number: number;
  prevHref: string | null;
  nextHref: string | null;
  /** The rows shown, counted from 1 across pages; null on an empty page. */
  rows: { first: number; last: number } | null;
}

/** Where a list page stands: its number, whether more follow, and how many rows it shows. */
export interface PagePosition {
  number: number;
  hasMore: boolean;
  shown: number;
}

/** Links for page n±1 that keep every other query parameter. */
export function pageView(
  basePath: string,
  query: Record<string, unknown>,
  { number, hasMore, shown }: PagePosition,
): PageView {
  const href = (n: number) => {
    const params = filterParams(query);
    if (n > 1) params.set('page', String(n));
    return withQuery(basePath, params);
  };
  const first = (number - 1) * PAGE_SIZE + 1;
  return {
    number,
    prevHref: number > 1 ? href(number - 1) : null,
    nextHref: hasMore ? href(number + 1) : null,
    rows: shown ? { first, last: first + shown - 1 } : null,
  };
}
