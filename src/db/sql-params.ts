/**
 * Bind parameters for SQL built from filters: `bind(value)` keeps the value and returns its
 * placeholder (`$1`, `$2`, …), so values never enter the SQL text.
 */
export function sqlParams(): { values: unknown[]; bind: (value: unknown) => string } {
  const values: unknown[] = [];
  return {
    values,
    bind(value) {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
