/** An Error's name and message (what the library's TypeErrors and RangeErrors explain). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** 75_000 -> "1:15", 3_725_000 -> "1:02:05". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Local wall-clock time of an epoch-milliseconds timestamp, e.g. "14:03:27". */
export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString();
}

/** The first characters of a 32-hex session id, enough to tell sessions apart in a list. */
export function shortId(id: string | null): string {
  return id === null ? '—' : `${id.slice(0, 8)}…`;
}

/** An attribute value as text: arrays as [a, b]. */
export function formatValue(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(String).join(', ')}]` : String(value);
}
