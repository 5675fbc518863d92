// Pages that read a record with its lists in one statement get the lists as JSON arrays. These are
// the pieces such statements share.

/**
 * Milliseconds since 1970 of a stored UTC timestamp column: a plain number in JSON, free of time
 * zones (JSON has no date type, and a timestamp rendered as text would need parsing back).
 */
export const epochMs = (column: string) => `(EXTRACT(EPOCH FROM ${column}) * 1000)::float8`;

/** A JSON array of the rows `select` aggregates, or `[]` when there are none. */
export const jsonList = (select: string) => `COALESCE((${select}), '[]')`;

/** The Date of an `epochMs` value read back, or null. */
export const dateOrNull = (ms: number | null) => (ms === null ? null : new Date(ms));
