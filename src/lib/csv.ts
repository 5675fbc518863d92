/**
 * One CSV cell (RFC 4180 quoting). Text a spreadsheet would run as a formula gets a leading
 * apostrophe; plain numbers such as -12.5 stay numbers.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i += 1) line += (i ? ',' : '') + csvCell(values[i]);
  return line + '\r\n';
}

/**
 * A stored UTC timestamp column as ISO 8601 text, formatted by PostgreSQL: exports then do not
 * depend on the server process's time zone and build no Date per cell.
 */
export function isoUtc(column: string, as = column.replace(/^\w+\./, '')): string {
  return `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${as}`;
}
