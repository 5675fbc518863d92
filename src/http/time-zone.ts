import type { NextFunction, Request, Response } from 'express';
import { ago, iso, utcMinute, when } from '../lib/format.js';
import { localDateTimeSeconds, localDay, withTimeZone } from '../lib/time.js';

const helpers = {
  when,
  ago,
  iso,
  utcMinute,
  whenSeconds: (date: Date) => localDateTimeSeconds(date),
  day: (date: Date) => localDay(date),
};

/**
 * Serves the rest of the request in the viewer's zone (their own choice, else the installation's):
 * formatters read it from there, services take it as `res.locals.timeZone`.
 */
export function viewerTimeZone(installationZone: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const zone = req.user?.timeZone ?? installationZone;
    res.locals.timeZone = zone;
    res.locals.time = helpers;
    withTimeZone(zone, next);
  };
}
