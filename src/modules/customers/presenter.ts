import { contactLinks } from '../../lib/contact-links.js';
import { avatarOf } from './avatar.js';
import { ageOf } from './age.js';
import { activityOf } from './service.js';
import type { getCustomer } from './service.js';

type Customer = Awaited<ReturnType<typeof getCustomer>>;

/** The non-medical profile facts as the page shows them. */
export function presentProfile(c: Customer, now = new Date()) {
  return {
    ...c,
    age: ageOf(c.dateOfBirth, now),
    dateOfBirthText: c.dateOfBirth ? c.dateOfBirth.toISOString().slice(0, 10) : null,
    activity: activityOf(c, now),
    links: contactLinks({ phone: c.phone, email: c.email }),
    avatar: avatarOf(c),
  };
}
