/**
 * Whether a write failed on a unique constraint (Prisma's P2002): callers use it to tell a
 * concurrent double submit or a taken value from a real failure.
 */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'P2002';
}
