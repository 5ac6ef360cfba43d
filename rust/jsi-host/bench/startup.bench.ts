// Start-up: `Sessions.init` until the first session is available, in one launch of the host.
// Run by scripts/bench/run-host-benches.js with a fresh storage directory (cold) and then again
// on the same directory (warm: the stored session resumes). argv[0]: storage directory.
import { Sessions } from 'react-native-otel-sessions';

type Harness = { argv: string[]; exit(code: number): void };
declare const performance: { now(): number };
const harness = (globalThis as unknown as { __harness: Harness }).__harness;

const start = performance.now();
Sessions.init({ serviceName: 'bench', storageDir: harness.argv[0]!, endpoint: 'http://127.0.0.1:9', consent: 'pending' });
const id = Sessions.current().id;
const us = (performance.now() - start) * 1000;
console.log('BENCH ' + JSON.stringify({ suite: 'startup', us, id }));
harness.exit(0);
