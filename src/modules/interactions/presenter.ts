import { contactLinks } from '../../lib/contact-links.js';

export function presentContact(customer: { phone: string; email: string }) {
  return contactLinks({ phone: customer.phone, email: customer.email });
}
