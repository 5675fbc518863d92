/**
 * A list's filters as URL parameters: string values only, blanks and the list's position
 * (`cursor`: the page number, or a keyset cursor) left out, so links keep the filters.
 */
export function filterParams(query: Record<string, unknown>, cursor = 'page'): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (key !== cursor && typeof value === 'string' && value !== '') params.set(key, value);
  }
  return params;
}

/** `path` with the parameters as its query string, or `path` alone when there are none. */
export function withQuery(path: string, params: URLSearchParams): string {
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Query string for the filter links (`?…`, or '' when no filter is set), without the page. */
export function queryString(
  query: Record<string, unknown>,
  overrides: Record<string, string | undefined> = {},
): string {
  return withQuery('', filterParams({ ...query, ...overrides }));
}
