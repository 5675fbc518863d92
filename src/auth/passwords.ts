import argon2 from 'argon2';

const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

// Verifying against a fixed hash when the account is unknown keeps response times alike.
let decoyHash: Promise<string> | undefined;

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    await argon2.verify(await (decoyHash ??= hashPassword('decoy-password-for-timing')), password).catch(() => false);
    return false;
  }
  return argon2.verify(hash, password).catch(() => false);
}
