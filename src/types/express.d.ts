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
    }
  }
}

declare module 'express-session' {
  interface SessionData {
    flash?: { type: 'success' | 'error' | 'info'; message: string }[];
    returnTo?: string;
    /** Password checked, second factor still to come. */
    pendingSignIn?: { userId: number; returnTo: string; startedAt: number };
  }
}

export {};
