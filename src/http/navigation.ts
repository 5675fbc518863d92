import type { NextFunction, Request, Response } from 'express';
import type { Role } from '../generated/prisma/enums.js';

export interface NavItem {
  href: string;
  label: string;
  key: string;
  roles: Role[];
}

export const NAV: NavItem[] = [
  { href: '/', label: 'Home', key: 'h', roles: ['agent', 'supervisor', 'admin', 'doctor'] },
  {
    href: '/interactions',
    label: 'Interactions',
    key: 'i',
    roles: ['agent', 'supervisor', 'admin'],
  },
  { href: '/tickets', label: 'Tickets', key: 't', roles: ['agent', 'supervisor', 'admin'] },
  {
    href: '/escalations',
    label: 'Escalations',
    key: 'e',
    roles: ['agent', 'supervisor', 'admin', 'doctor'],
  },
  {
    href: '/consultations',
    label: 'Consultations',
    key: 'c',
    roles: ['agent', 'supervisor', 'admin', 'doctor'],
  },
  {
    href: '/customers',
    label: 'Customers',
    key: 'p',
    roles: ['agent', 'supervisor', 'admin', 'doctor'],
  },
  { href: '/metrics', label: 'Metrics', key: 'm', roles: ['supervisor', 'admin'] },
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
