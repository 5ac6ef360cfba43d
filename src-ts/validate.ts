// The engine's rules for attributes and event names (rust/engine/src/attributes.rs,
// rust/telemetry/src/telemetry.rs), checked in JS where an error must be thrown before the
// work leaves the JS thread (`recordEvent`), and by the Jest mock.

import type { Attributes } from './types';

const RESERVED = ['session.', 'rn_otel_sessions.'] as const;
/** Limits, as in the Rust engine. */
export const LIMITS = {
  attributes: 64,
  keyBytes: 128,
  valueBytes: 4096,
  arrayLength: 256,
  eventNameBytes: 256,
  eventNames: 1024,
} as const;

/** UTF-8 length of a string (lone surrogates count 3 bytes, as their replacement). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Checks an attribute key; returns it. */
export function checkKey(method: string, key: unknown): string {
  if (typeof key !== 'string') throw new TypeError(`Sessions.${method}: argument 'key' must be a string`);
  if (key === '') throw new TypeError(`Sessions.${method}: attribute key is empty; use a name such as 'app.screen'`);
  const bytes = key.length > LIMITS.keyBytes / 4 ? utf8Length(key) : key.length;
  if (bytes > LIMITS.keyBytes) {
    throw new RangeError(`Sessions.${method}: attribute key is ${bytes} bytes; the limit is ${LIMITS.keyBytes}`);
  }
  if (reserved(key)) {
    throw new TypeError(`Sessions.${method}: attribute key '${key}' uses a reserved prefix; choose another namespace`);
  }
  return key;
}

/** The first characters of the reserved prefixes: most keys start with none of them. */
const RESERVED_FIRST = RESERVED.map((p) => p.charCodeAt(0));

/** Whether `key` starts with a reserved prefix (index loops: this runs per attribute of every
 * recorded event, and allocates nothing). */
function reserved(key: string): boolean {
  const first = key.charCodeAt(0);
  for (let i = 0; i < RESERVED.length; i++) {
    if (first === RESERVED_FIRST[i] && key.startsWith(RESERVED[i]!)) return true;
  }
  return false;
}

function scalar(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

/** Checks an attribute value: a string, boolean, finite number, or an array of one of those. */
export function checkValue(method: string, key: string, value: unknown): void {
  if (typeof value === 'string') {
    if (value.length > LIMITS.valueBytes / 4 && utf8Length(value) > LIMITS.valueBytes) tooLarge(method, key);
    return;
  }
  if (scalar(value)) return;
  if (Array.isArray(value) && value.every(scalar) && new Set(value.map((v) => typeof v)).size <= 1) {
    if (value.length > LIMITS.arrayLength) tooLarge(method, key);
    if (typeof value[0] === 'string' && (value as string[]).reduce((n, s) => n + utf8Length(s), 0) > LIMITS.valueBytes) {
      tooLarge(method, key);
    }
    return;
  }
  throw new TypeError(
    `Sessions.${method}: attribute '${key}' must be a string, a boolean, a finite number or an array of one of those`,
  );
}

function tooLarge(method: string, key: string): never {
  throw new RangeError(
    `Sessions.${method}: attribute '${key}' is over ${LIMITS.valueBytes} bytes or ${LIMITS.arrayLength} elements; store a shorter value or an identifier of it`,
  );
}

/** Checks an attributes argument (`undefined`/`null`: none). */
export function checkAttributes(method: string, attributes: unknown): void {
  walkAttributes(method, attributes, null);
}

/**
 * Checks an attributes argument as `checkAttributes` does and returns a copy of its own
 * enumerable properties (`null` for `undefined`/`null`). One pass, which allocates nothing but
 * the copy: it runs for every recorded event.
 */
export function copyAttributes(method: string, attributes: unknown): Attributes | null {
  if (attributes === undefined || attributes === null) return null;
  const copy: Record<string, unknown> = {};
  walkAttributes(method, attributes, copy);
  return copy as Attributes; // every value checked
}

const own = Object.prototype.hasOwnProperty;

/** Checks `attributes` (its own enumerable properties, as `Object.keys` lists them), copying
 * each into `copy` when given. One pass, with no key array, iterator or closure per call; it
 * stops at the first attribute over the limit (on an error, the keys are counted once more:
 * too many attributes is the error reported first). */
function walkAttributes(method: string, attributes: unknown, copy: Record<string, unknown> | null): void {
  if (attributes === undefined || attributes === null) return;
  if (typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new TypeError(`Sessions.${method}: argument 'attributes' must be an object of attributes`);
  }
  const source = attributes as Record<string, unknown>;
  let count = 0;
  try {
    for (const k in source) {
      if (!own.call(source, k)) continue;
      if (++count > LIMITS.attributes) tooMany(method, countOwn(source));
      const v = source[k];
      checkValue(method, checkKey(method, k), v);
      if (copy) copy[k] = v;
    }
  } catch (e) {
    // Too many attributes is the error reported first, as the engine reports it (when the
    // count is over the limit, that is the error already thrown).
    if (count <= LIMITS.attributes) checkCount(method, source);
    throw e;
  }
}

/** The own enumerable properties of `source`. */
function countOwn(source: Record<string, unknown>): number {
  let count = 0;
  for (const k in source) if (own.call(source, k)) count++;
  return count;
}

/** Throws if `source` has more own enumerable properties than the limit. */
function checkCount(method: string, source: Record<string, unknown>): void {
  const count = countOwn(source);
  if (count > LIMITS.attributes) tooMany(method, count);
}

/** Throws the error for `count` attributes, over the limit. */
function tooMany(method: string, count: number): never {
  throw new RangeError(`Sessions.${method}: argument 'attributes' has ${count} attributes; the limit is ${LIMITS.attributes}`);
}

/** Checks an event name: a string of 1 to 256 UTF-8 bytes. */
export function checkEventName(method: string, name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`Sessions.${method}: argument 'name' must be a string`);
  const bytes = name.length > LIMITS.eventNameBytes / 4 ? utf8Length(name) : name.length;
  if (bytes === 0 || bytes > LIMITS.eventNameBytes) {
    throw new RangeError(`Sessions.${method}: argument 'name' must be 1 to ${LIMITS.eventNameBytes} bytes; got ${bytes}`);
  }
  return name;
}
