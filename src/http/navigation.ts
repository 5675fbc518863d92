import { ALL_ROLES, MANAGERS, STAFF } from '../auth/actor.js';
import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../generated/prisma/enums.js';

export interface NavItem {
  href: string;
  label: string;
  key: string;
  roles: readonly Role[];
}

export const NAV: NavItem[] = [
  { href: '/', label: 'Home', key: 'h', roles: ALL_ROLES },
  {
    href: '/interactions',
    label: 'Interactions',
    key: 'i',
    roles: STAFF,
  },
  { href: '/tickets', label: 'Tickets', key: 't', roles: STAFF },
  {
    href: '/escalations',
    label: 'Escalations',
    key: 'e',
    roles: ALL_ROLES,
  },
  {
    href: '/consultations',
    label: 'Consultations',
    key: 'c',
    roles: ALL_ROLES,
  },
  {
    href: '/customers',
    label: 'Customers',
    key: 'p',
    roles: ALL_ROLES,
  },
  { href: '/metrics', label: 'Metrics', key: 'm', roles: MANAGERS },
  { href: '/audit', label: 'Audit', key: 'a', roles: ['admin'] },
  { href: '/staff', label: 'Staff', key: 's', roles: ['admin'] },
  { href: '/sla-targets', label: 'SLA targets', key: 'l', roles: ['admin'] },
];

export function exposeNavigation(req: Request, res: Response, next: NextFunction): void {
  const role = req.user?.role;
  res.locals.currentUser = req.user ?? null;
  res.locals.currentPath = req.path;
  res.locals.nav = role ? NAV.filter((item) => item.roles.includes(role)) : [];
  next();
}
