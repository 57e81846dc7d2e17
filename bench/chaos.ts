/**
 * The chaos bench: 10,000 orders through the order platform's SQS contract against the real local
 * runtime, with injected faults (handler errors before and after the handler, DynamoDB throttling,
 * transaction conflicts and ambiguous errors after a write), duplicates, reordering and two
 * kill -9 of the whole runtime; then the checks of bench/chaos-run.ts. Exit code 1 on any violation.
 *
 *   npx tsx bench/chaos.ts [orders=10000] [skus=51] [kills=2] [window=300] [seed=N] [report=file.json]
 *
 * Any numeric option of `ChaosOptions` can be given as name=value; `faults=<json>` replaces the
 * fault spec (the AZURA_FAULTS format of lib/faults.ts).
 */
import { writeFileSync } from 'node:fs';
import { BENCH_SIZE, type ChaosOptions, formatReport, runChaos } from './chaos-run.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
delete process.env.AZURA_FAULTS; // faults belong to the runtime process, never to the platform's clients

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [name, ...value] = arg.split('=');
    return [name ?? '', value.join('=')];
  }),
) as Record<string, string>;
const options: ChaosOptions = { ...BENCH_SIZE };
for (const [name, value] of Object.entries(args)) {
  if (name === 'faults') options.faults = JSON.parse(value);
  else if (name === 'seed' || name === 'report') continue;
  else if (name in options && typeof options[name as keyof ChaosOptions] === 'number') {
    (options as unknown as Record<string, number>)[name] = Number(value);
  } else {
    console.error(`unknown option ${name}`);
    process.exit(2);
  }
}

const report = await runChaos(options, args.seed ? Number(args.seed) : undefined);
console.log(`\n${formatReport(report)}`);
if (args.report) writeFileSync(args.report, `${JSON.stringify(report, null, 2)}\n`);
process.exitCode = report.violations.length ? 1 : 0;
