import { randomBytes } from 'node:crypto';
import { argon2id, argon2Verify } from 'hash-wasm';

// argon2id (OWASP's minimum profile: 19 MiB, 2 passes). hash-wasm runs it in WebAssembly, so no
// native addon has to build or load on the machine.
const PARAMS = { parallelism: 1, iterations: 2, memorySize: 19_456, hashLength: 32 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2id({ ...PARAMS, password, salt: randomBytes(16), outputType: 'encoded' });
}

// Verifying against a fixed hash when the account is unknown keeps response times alike.
let decoyHash: Promise<string> | undefined;

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    await argon2Verify({
      password,
      hash: await (decoyHash ??= hashPassword('decoy-password-for-timing')),
    });
    return false;
  }
  return argon2Verify({ password, hash }).catch(() => false);
}
