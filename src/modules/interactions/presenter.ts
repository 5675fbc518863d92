import { contactLinks } from '../../lib/contact-links.js';

export function presentContact(customer: { phone: string; email: string }) {
  return contactLinks({ phone: customer.phone, email: customer.email });
}

/** Query string for the filter links, dropping empty values. */
export function queryString(
  query: Record<string, unknown>,
  overrides: Record<string, string | undefined> = {},
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...overrides })) {
    if (key !== 'page' && typeof value === 'string' && value !== '') params.set(key, value);
  }
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}
