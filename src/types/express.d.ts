import type { Role } from '../generated/prisma/enums.js';

declare global {
  namespace Express {
    interface User {
      id: number;
      email: string;
      name: string;
      role: Role;
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    flash?: { type: 'success' | 'error' | 'info'; message: string }[];
    returnTo?: string;
    /** The outcome of the last bulk action on the ticket list, shown once after its redirect. */
    ticketBulkResult?: import('../modules/tickets/bulk.js').BulkResult;
  }
}

export {};
