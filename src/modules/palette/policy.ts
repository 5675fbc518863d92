import type { Role } from '../../generated/prisma/enums.js';
import { ALL_ROLES, STAFF } from '../../http/guards.js';
import { NAV } from '../../http/navigation.js';

export interface PageEntry {
  label: string;
  href: string;
  roles: readonly Role[];
}

/** Every page the palette can jump to, with the roles the page's own guard lets in. */
const PAGES: PageEntry[] = [
  ...NAV.map(({ label, href, roles }) => ({ label, href, roles })),
  { label: 'New ticket', href: '/tickets/new', roles: STAFF },
  { label: 'New interaction', href: '/interactions/new', roles: STAFF },
  { label: 'New consultation', href: '/consultations/new', roles: STAFF },
  { label: 'Settings (time zone)', href: '/account', roles: ALL_ROLES },
];

export const pagesFor = (role: Role): PageEntry[] => PAGES.filter((p) => p.roles.includes(role));

/** Record kinds each role may open: the same rule as GET /tickets/:id, /consultations/:id, /customers/:id. */
export const mayOpen = {
  tickets: (role: Role) => STAFF.includes(role),
  consultations: (role: Role) => ALL_ROLES.includes(role),
  customers: (role: Role) => ALL_ROLES.includes(role),
};
