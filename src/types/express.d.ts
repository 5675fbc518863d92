import type { Role } from '../generated/prisma/enums.js';

declare global {
  namespace Express {
    interface User {
      id: number;
      email: string;
      name: string;
      role: Role;
      /** Signs in with a second factor (TOTP). */
      twoFactor?: boolean;
      /** The user's own IANA zone; null follows the installation's APP_TIME_ZONE. */
      timeZone: string | null;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    flash?: { type: 'success' | 'error' | 'info'; message: string }[];
    returnTo?: string;
    /** Password checked, second factor still to come. */
    pendingSignIn?: { userId: number; returnTo: string; startedAt: number };
    /** The outcome of the last bulk action on the ticket list, shown once after its redirect. */
    ticketBulkResult?: import('../modules/tickets/bulk.js').BulkResult;
  }
}

export {};
