import type { Role } from '../generated/prisma/enums.js';

declare global {
  namespace Express {
    interface User {
      id: number;
      email: string;
      name: string;
      role: Role;
      /** The user's own IANA zone; null follows the installation's APP_TIME_ZONE. */
      timeZone: string | null;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    flash?: { type: 'success' | 'error' | 'info'; message: string }[];
    returnTo?: string;
  }
}

export {};
