// What the Linux JSI host (main.cpp) gives a script, for type-checking the host tests.
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};
declare function setTimeout(fn: (...args: any[]) => void, ms?: number, ...args: unknown[]): number; // eslint-disable-line @typescript-eslint/no-explicit-any
declare function clearTimeout(id: number | undefined): void;
