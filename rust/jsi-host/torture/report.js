// The torture suite's table: reads what each part wrote under DIR (kill-loop/kill-loop.json,
// fuzz.json, rust/*.json), prints a markdown table and writes DIR/results.json.
//   node report.js DIR <mode> <seconds>
'use strict';
const fs = require('fs');
const path = require('path');

const [dir, mode, seconds] = process.argv.slice(2);
const read = (f) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  } catch {
    return null;
  }
};
const rust = (name) => read(`rust/${name}.json`);
const rows = [];
const row = (what, r) => rows.push({ what, iterations: '–', sent: '–', received: '–', lost: '–', duplicated: '–', crashes: 0, corrupt: '–', ...r });

const k = read('kill-loop/kill-loop.json');
if (k) {
  row('Kill loop: JSI host SIGKILLed at random, relaunched on the same storage; receiver flapping (down, 503+Retry-After, 429/502/504, slow, reset)', {
    iterations: `${k.iterations} kills`, sent: `${k.recorded} (${k.durable} declared durable)`, received: `${k.received} distinct`,
    lost: `${k.lost} durable, ${k.handedLost} of ${k.handed} handed over (+${k.inMemoryAtKill} never handed over: JS spans in the JS SDK's batch at a kill)`, duplicated: k.duplicated, crashes: k.crashes,
    corrupt: k.corruptStores, failures: k.failureCount,
  });
}
const e1 = rust('engine_state_bit_flips');
if (e1) row(`State file: every byte bit-flipped and overwritten (${e1.file_bytes} B)`, { iterations: `${e1.launches} launches`, corrupt: `${e1.recovered} quarantined + counted, ${e1.accepted} still valid` });
const e2 = rust('engine_odd_state_files');
if (e2) row('State file replaced by a directory, symlinks, a FIFO, 3 MiB', { iterations: `${e2.launches} launches`, corrupt: 'all quarantined, store rewritten' });
const e3 = rust('engine_immutable_store');
if (e3) row('Storage directory unwritable (chattr +i; root ignores modes)', e3.skipped ? { iterations: 'skipped: ' + e3.skipped } : { iterations: '1', corrupt: `${e3.persist_failures} failed saves counted; recovered` });
const e4 = rust('engine_state_json_fuzz');
if (e4) row('Fuzz (proptest): state JSON mutated (replace/remove/add nodes)', { iterations: `${e4.cases} cases`, corrupt: `${e4.recovered} quarantined, ${e4.accepted} accepted` });
const e5 = rust('engine_state_bytes_fuzz');
if (e5) row('Fuzz (proptest): state file of random bytes', { iterations: `${e5.cases} cases`, corrupt: `${e5.recovered} quarantined` });
const e6 = rust('engine_clock_jumps');
if (e6) row('Clock: wall jumps of ±40 days, reboots (monotonic reset), kills', { iterations: `${e6.runs} runs, ${e6.wall_jumps} jumps, ${e6.reboots} reboots`, lost: '0 spurious rotations, 0 endless sessions' });
const t1 = rust('telemetry_outbox_corruption');
if (t1) row('Outbox files truncated at every offset, bit-flipped, garbage, directories, odd names', { iterations: `${t1.damaged_files} damaged files`, sent: `${t1.intact_records} intact records`, received: t1.records_received, lost: 0, corrupt: `${t1.refused_and_counted} refused by the backend, all counted` });
const t2 = rust('telemetry_damaged_counters');
if (t2) row('counters.json garbage / a directory / huge numbers; outbox a file', { iterations: `${t2.cases} starts`, corrupt: `${t2.started} started, ${t2.refused_with_an_error.length} clear errors` });
const t3 = rust('telemetry_full_disk');
if (t3) row('Full disk (tmpfs 512 KiB), backend offline, then space returns', t3.skipped ? { iterations: 'skipped: ' + t3.skipped } : {
  iterations: `${t3.records_while_full} records while full`, sent: `${t3.records_after_space_returned} after space returned`, received: t3.records_received,
  lost: `${t3.lost_after_space_returned} after space returned (while full: ${t3.journal_write_failures ?? 0} journal segments refused, their records dropped and counted; ${t3.outbox_write_failures} outbox writes failed, kept in the journal)`, corrupt: `RSS +${t3.rss_growth_kib} KiB` });
const t4 = rust('telemetry_concurrency');
if (t4) row('Concurrency (Rust): 2 recorders, lifecycle thread, flushes, uploader, timers; flapping backend', { iterations: `${t4.lifecycle_calls} lifecycle calls, ${t4.sessions} sessions`, sent: t4.records, received: `${t4.received_distinct} distinct`, lost: t4.lost, duplicated: t4.duplicated });
const j1 = rust('jsi_init_config_fuzz');
if (j1) row('Fuzz (proptest): init config parser', { iterations: `${j1.cases} cases`, corrupt: `${j1.refused} refused with an error` });
const j2 = rust('jsi_c_abi_fuzz');
if (j2) row('Fuzz (proptest): every C ABI method, exportSpans/exportLogs batches, raw bytes', { iterations: `${j2.calls} calls`, crashes: j2.crashes, corrupt: `${j2.errors} errors thrown` });
const j3 = rust('jsi_concurrency');
if (j3) row('Concurrency (C ABI): JS-thread calls, lifecycle from another thread, flushes, timers', { iterations: `${j3.js_calls} JS calls, ${j3.lifecycle_calls} lifecycle calls`, lost: j3.lost });
const f = read('fuzz.json');
if (f) row('JS fuzzer in the JSI host: random values and call orders (binding + Sessions)', { iterations: `${f.calls} calls`, crashes: f.crashes, corrupt: `${f.errors} errors, ${f.rejections} rejections, all named` });

const cols = ['what', 'iterations', 'sent', 'received', 'lost', 'duplicated', 'crashes', 'corrupt'];
const head = ['What was tried', 'Iterations', 'Records sent', 'Received', 'Lost', 'Duplicated', 'Crashes', 'Corrupt stores / handling'];
const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
for (const r of rows) lines.push(`| ${cols.map((c) => String(r[c])).join(' | ')} |`);
console.log(`\nTorture suite (${mode}, ${seconds} s)\n`);
console.log(lines.join('\n'));
const failed = rows.filter((r) => (r.failures ?? 0) > 0 || (typeof r.crashes === 'number' && r.crashes > 0));
fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ mode, seconds: Number(seconds), rows, killLoop: k }, null, 2) + '\n');
console.log(`\n${path.join(dir, 'results.json')}`);
process.exitCode = failed.length ? 1 : 0;
