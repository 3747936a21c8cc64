const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/**
 * A pino JSON line as a person reads it on a terminal: `21:04:05 WARN message (key=value …)`.
 * A line that is not JSON comes back as it was.
 */
export function formatLogLine(line: string, timeZone?: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const time = typeof record.time === 'number' ? new Date(record.time).toLocaleTimeString('en-GB', { hour12: false, ...(timeZone ? { timeZone } : {}) }) : '';
  const level = LEVEL_NAMES[Number(record.level)] ?? String(record.level ?? '');
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [time, level, String(record.msg ?? ''), fields.length > 0 ? `(${fields.join(' ')})` : ''].filter(Boolean).join(' ');
}
