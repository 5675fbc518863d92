import type { NextFunction, Request, Response } from 'express';

// PostgreSQL text cannot hold U+0000; no field of this product needs it. Dropped once, here, from
// every form field and query parameter, so no input can reach the database with one.
function clean(value: unknown): unknown {
  if (typeof value === 'string')
    return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, clean(inner)]),
    );
  }
  return value;
}

export function stripNul(req: Request, _res: Response, next: NextFunction): void {
  if (req.body && typeof req.body === 'object') req.body = clean(req.body);
  const query = clean(req.query);
  Object.defineProperty(req, 'query', {
    value: query,
    writable: true,
    configurable: true,
    enumerable: true,
  });
  next();
}
