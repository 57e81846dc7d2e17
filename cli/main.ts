import { parseArgs } from 'node:util';
import { listDeadLetterQueues, redrive, showDeadLetters } from './dlq.ts';
import { applyRepair, describeDrift, describePlan, ledgerCheck, proposeRepair } from './ledger.ts';
import { republishFromDlq } from './outbox.ts';
import { CliError, EXIT, type Io, readLine, table } from './output.ts';
import { reportingRebuild } from './reporting.ts';
import { deadLetterQueueOf, resolveTarget, type Target } from './target.ts';

/**
 * The operator's command line, `npx azura <command>`: the same AWS SDK clients (lib/aws.ts) and
 * the same resource names as the system, against the running `npm start` (default) or a deployed
 * stage (`--stage <name>`). Exit codes: 0 ok, 1 drift or failure found, 2 usage error. Every
 * command prints for a person, or one JSON document on stdout with `--json`.
 */

type OptionSpec = {
  type: 'string' | 'boolean';
  short?: string;
  value?: string;
  description: string;
  required?: boolean;
};

interface Command {
  name: string;
  args?: string;
  summary: string;
  details: string;
  options: Record<string, OptionSpec>;
  positionals: number;
  run(ctx: Context): Promise<number>;
}

interface Context {
  io: Io;
  json: boolean;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  target: () => Promise<Target>;
}

const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  stage: {
    type: 'string',
    value: 'NAME',
    description: 'a deployed stage (azura-<NAME>-…) instead of the local runtime',
  },
  json: { type: 'boolean', description: 'print one JSON document (for scripts) instead of text' },
  'runtime-file': {
    type: 'string',
    value: 'FILE',
    description: 'the local runtime to use (default .data/runtime.json, written by npm start)',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

const max = (value: string | boolean | undefined): number => {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--max must be a positive integer, not "${value}"`, EXIT.usage);
  return n;
};

const print = (ctx: Context, json: unknown, text: () => string[]) => {
  if (ctx.json) ctx.io.out(JSON.stringify(json, null, 2));
  else for (const line of text()) ctx.io.out(line);
};

const COMMANDS: Command[] = [
  {
    name: 'dlq list',
    summary: 'every dead-letter queue with its depth',
    details:
      'Lists each queue\'s dead-letter queue (<queue>-dlq) and each table stream\'s on-failure queue (<table>-stream-dlq) with ApproximateNumberOfMessages ("depth") and the messages being looked at ("in flight").',
    options: {},
    positionals: 0,
    async run(ctx) {
      const target = await ctx.target();
      const queues = await listDeadLetterQueues(target);
      print(ctx, { target: target.description, queues }, () => [
        `Dead-letter queues of ${target.description}:`,
        table(
          ['QUEUE', 'KIND', 'DEPTH', 'IN FLIGHT', 'SOURCE'],
          queues.map((q) => [q.name, q.kind, q.depth, q.inFlight, q.source ?? '']),
        ),
        `${queues.filter((q) => q.depth > 0).length} of ${queues.length} not empty.`,
      ]);
      return EXIT.ok;
    },
  },
  {
    name: 'dlq show',
    args: '<queue>',
    summary: 'print the messages of a dead-letter queue with their error, without consuming them',
    details:
      'Receives the messages (hidden meanwhile, so none is listed twice), prints each with its id, sent time, receive count, attributes, body and what it says went wrong, then makes them visible again at once (visibility timeout 0). Reading raises their receive count; a dead-letter queue has no redrive of its own, so that moves nothing.',
    options: { max: { type: 'string', value: 'N', description: 'at most N messages (default: all)' } },
    positionals: 1,
    async run(ctx) {
      const target = await ctx.target();
      const queue = deadLetterQueueOf(target, ctx.positionals[0]!);
      const messages = await showDeadLetters(queue, max(ctx.values.max));
      print(ctx, { queue: queue.name, kind: queue.kind, messages }, () =>
        messages.length
          ? messages.flatMap((m, i) => [
              `#${i + 1} ${m.messageId}  sent ${m.sentAt ?? '?'}  received ${m.receiveCount} time(s)${m.sourceArn ? `  from ${m.sourceArn}` : ''}`,
              `  error: ${m.error}`,
              ...(Object.keys(m.attributes).length
                ? [
                    `  attributes: ${Object.entries(m.attributes)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(', ')}`,
                  ]
                : []),
              `  body: ${typeof m.body === 'string' ? m.body : JSON.stringify(m.body)}`,
            ])
          : [`${queue.name} is empty.`],
      );
      return EXIT.ok;
    },
  },
  {
    name: 'dlq redrive',
    args: '<queue>',
    summary: 'move the messages of a dead-letter queue back to its source queue',
    details:
      'Sends each message (body and attributes) to the queue it failed on, found from the declarations (<queue>-dlq came from <queue>), and deletes it from the dead-letter queue only once that send succeeded. Fix the cause first: every consumer is idempotent, so a message that was partly processed is safe to redrive. Not for <table>-stream-dlq: use `outbox republish`.',
    options: {
      'dry-run': { type: 'boolean', description: 'print what would move, move nothing' },
      max: { type: 'string', value: 'N', description: 'move at most N messages (default: all)' },
    },
    positionals: 1,
    async run(ctx) {
      const target = await ctx.target();
      const queue = deadLetterQueueOf(target, ctx.positionals[0]!);
      const result = await redrive(queue, {
        dryRun: Boolean(ctx.values['dry-run']),
        max: max(ctx.values.max),
      });
      print(ctx, result, () => [
        ...result.moved.map(
          (m) =>
            `${result.dryRun ? 'would move' : 'moved'} ${m.messageId}${m.newMessageId ? ` -> ${m.newMessageId}` : ''}: ${m.body.slice(0, 120)}`,
        ),
        `${result.dryRun ? 'Dry run: would move' : 'Moved'} ${result.moved.length} message(s) from ${result.queue} to ${result.source}.`,
        ...(result.cameBack
          ? [
              'Stopped: a message moved by this run failed again and is back in the dead-letter queue; fix the cause before redriving it.',
            ]
          : []),
        ...(result.failed
          ? [`FAILED on ${result.failed.messageId}: ${result.failed.error} (left in ${result.queue})`]
          : []),
      ]);
      return result.failed ? EXIT.found : EXIT.ok;
    },
  },
  {
    name: 'ledger check',
    summary: "the drift detector: replay every level's ledger and compare with the stored level",
    details:
      "Scans the stock table for every SKU with a level (or checks one, --sku), replays its movements and compares them with each stored level (and each level's available with onHand - reserved - safetyStock). Exit 1 on any drift, or when a SKU kept changing while read; 0 when every level matches its ledger.",
    options: { sku: { type: 'string', value: 'SKU', description: 'only this SKU' } },
    positionals: 0,
    async run(ctx) {
      const target = await ctx.target();
      const report = await ledgerCheck(target, ctx.values.sku as string | undefined);
      const clean = report.drifted.length === 0 && report.unsettled.length === 0;
      print(ctx, { target: target.description, clean, ...report }, () => [
        `Checked ${report.checked} SKU(s) of ${target.description}: ${report.drifted.length} drifted` +
          `${report.unsettled.length ? `, ${report.unsettled.length} kept changing while read (${report.unsettled.join(', ')}): check again` : ''}.`,
        ...report.drifted.flatMap((d) => [
          `DRIFT ${d.sku}:`,
          ...describeDrift(d),
          `  repair: npx azura ledger repair --sku ${d.sku}`,
        ]),
      ]);
      return clean ? EXIT.ok : EXIT.found;
    },
  },
  {
    name: 'ledger repair',
    summary: 'propose, and with confirmation apply, the correction of a drifted SKU',
    details:
      'The ledger is the truth: each drifted level is set to what its movements replay to, in one transaction with a "correction" movement (kind adjust, zero deltas, so the replay does not change) whose note names the stored values it replaced, and a StockLevelChanged event. A plain adjustment could not do it: it moves the level and the replay alike. Applies only after you answer y (or with --yes), and only to the level version it proposed on. If the shelf disagrees with the ledger too, record a physical count afterwards. Exit 0 when the SKU matches its ledger at the end, 1 when drift remains (a dry run, a "no").',
    options: {
      sku: { type: 'string', value: 'SKU', description: 'the SKU to repair', required: true },
      'dry-run': { type: 'boolean', description: 'propose only' },
      yes: { type: 'boolean', short: 'y', description: 'apply without asking' },
    },
    positionals: 0,
    async run(ctx) {
      const sku = ctx.values.sku as string | undefined;
      if (!sku) throw new CliError('ledger repair needs --sku <SKU>', EXIT.usage);
      const target = await ctx.target();
      const proposal = await proposeRepair(target, sku);
      if (!proposal.plan.length) {
        print(ctx, { sku, clean: true, plan: [], applied: [] }, () => [
          `${sku} matches its ledger: nothing to repair.`,
        ]);
        return EXIT.ok;
      }
      const proposalText = [
        `${sku} does not match its ledger:`,
        ...describeDrift(proposal.drift!),
        'Proposed:',
        ...describePlan(proposal.plan),
      ];
      const dryRun = Boolean(ctx.values['dry-run']);
      let apply = !dryRun && Boolean(ctx.values.yes);
      if (!dryRun && !apply) {
        // The prompt goes to stderr, so stdout stays one JSON document with --json.
        for (const line of proposalText) ctx.io.err(line);
        ctx.io.err(`Apply ${proposal.plan.length} correction(s) to ${target.description}? [y/N]`);
        apply = /^y(es)?$/i.test(await readLine(ctx.io.stdin));
      }
      if (!apply) {
        print(ctx, { sku, clean: false, drift: proposal.drift, plan: proposal.plan, applied: [] }, () => [
          ...(dryRun ? proposalText : []),
          dryRun ? 'Dry run: nothing applied.' : 'Nothing applied.',
        ]);
        return EXIT.found;
      }
      const applied = await applyRepair(target, proposal);
      const after = await ledgerCheck(target, sku);
      const clean = after.drifted.length === 0 && after.unsettled.length === 0;
      print(ctx, { sku, clean, drift: proposal.drift, plan: proposal.plan, applied }, () => [
        ...(ctx.values.yes ? proposalText : []),
        ...applied.map((m) => `Applied correction movement ${m.id} to ${m.sku} @ ${m.locationId}.`),
        clean ? `${sku} now matches its ledger.` : `${sku} still drifts: run \`ledger check --sku ${sku}\`.`,
      ]);
      return clean ? EXIT.ok : EXIT.found;
    },
  },
  {
    name: 'outbox republish',
    summary: "republish the events a table stream's outbox publisher gave up on",
    details:
      "Reads the on-failure records of <table>-stream-dlq (shard and sequence range, as the event source mapping writes them), reads those stream records back (GetShardIterator AT_SEQUENCE_NUMBER, GetRecords up to the end sequence number), takes their envelopes with the publisher's own eventsToPublish and publishes them on the events topic. Idempotent by event id: consumers de-duplicate by envelope id, the tool journals every id it published (.data/outbox-republished-<prefix>.jsonl) and never publishes one twice, and it deletes a DLQ message only after all its events were published. Stream records last 24 h: past that it names the shard and sequence range it cannot read and leaves the message; --scan-fallback then republishes from the items' outbox attribute the envelopes that occurred in that message's time window. Exit 1 when a message could not be republished.",
    options: {
      'from-dlq': {
        type: 'string',
        value: 'QUEUE',
        description: 'the stream on-failure queue, e.g. stock-stream-dlq',
        required: true,
      },
      'dry-run': {
        type: 'boolean',
        description: 'print what would be published, publish and delete nothing',
      },
      max: { type: 'string', value: 'N', description: 'at most N DLQ messages (default: all)' },
      'scan-fallback': {
        type: 'boolean',
        description: "when the stream records are gone, republish from the table's outbox attributes instead",
      },
      journal: {
        type: 'string',
        value: 'FILE',
        description: 'the journal of republished event ids (default under .data/)',
      },
    },
    positionals: 0,
    async run(ctx) {
      const from = ctx.values['from-dlq'] as string | undefined;
      if (!from) throw new CliError('outbox republish needs --from-dlq <queue>', EXIT.usage);
      const target = await ctx.target();
      const queue = deadLetterQueueOf(target, from);
      const result = await republishFromDlq(target, queue, {
        dryRun: Boolean(ctx.values['dry-run']),
        scanFallback: Boolean(ctx.values['scan-fallback']),
        max: max(ctx.values.max),
        journalFile: ctx.values.journal as string | undefined,
      });
      const failed = result.messages.filter((m) => m.error);
      const published = result.messages.reduce((n, m) => n + m.published.length, 0);
      print(ctx, { ...result, published, failed: failed.length }, () => [
        ...result.messages.map((m) =>
          m.error
            ? `FAILED ${m.messageId}${m.shardId ? ` (shard ${m.shardId}, sequence ${m.range})` : ''}: ${m.error}`
            : `${m.messageId} (shard ${m.shardId}, sequence ${m.range}, from the ${m.from}): ${m.records} record(s), ` +
              `${m.events} event(s), ${result.dryRun ? 'would publish' : 'published'} ${m.published.length}` +
              `${m.skipped.length ? `, ${m.skipped.length} already republished before` : ''}`,
        ),
        `${result.dryRun ? 'Dry run: would publish' : 'Published'} ${published} event(s) from ${result.messages.length - failed.length} of ${result.messages.length} message(s) of ${result.queue}` +
          `${failed.length ? `; ${failed.length} left in the queue` : ''}. Journal: ${result.journal}`,
      ]);
      return failed.length ? EXIT.found : EXIT.ok;
    },
  },
  {
    name: 'reporting rebuild',
    summary: 'rebuild the reporting read model from the catalog, the stock ledger and the orders',
    details:
      "For when the read model was lost, a migration changed a projection, or events were missed. Reads every catalog product, every stock level with its movements (and the expired reservations still kept) and every order, page by page; empties the read model in one transaction (TRUNCATE of the product, stock and order facts and dimensions, order_close and their processed_event rows; schema_migrations and the purchase-order tables stay); then re-applies everything through the projection's own ReadModel.apply as the events would have been (ProductCreated/ProductDeleted, StockLevelChanged with the movement's deltas and after quantities, ReservationExpired, OrderReserved/Rejected/Completed/Released), with the original times and ids rebuild:<kind>:<key>, in batches of --batch-size per transaction. The reports are empty until it ends. Asks before emptying unless --yes; --dry-run reads and counts only. Prints the counts per kind and the time taken. Exit 0 when rebuilt (or counted), 1 when it failed or you answered no.",
    options: {
      'dry-run': { type: 'boolean', description: 'read and count only, change nothing' },
      yes: { type: 'boolean', short: 'y', description: 'empty and rebuild without asking' },
      'batch-size': {
        type: 'string',
        value: 'N',
        description: 'events applied per read-model transaction (default 200)',
      },
    },
    positionals: 0,
    async run(ctx) {
      const batch = ctx.values['batch-size'];
      const batchSize = batch === undefined ? undefined : max(batch);
      const dryRun = Boolean(ctx.values['dry-run']);
      const target = await ctx.target();
      if (!dryRun && !ctx.values.yes) {
        // The prompt goes to stderr, so stdout stays one JSON document with --json.
        ctx.io.err(
          `Empty the reporting read model of ${target.description} and rebuild it? The reports are empty meanwhile. [y/N]`,
        );
        if (!/^y(es)?$/i.test(await readLine(ctx.io.stdin))) {
          print(ctx, { target: target.description, rebuilt: false }, () => ['Nothing changed.']);
          return EXIT.found;
        }
      }
      const result = await reportingRebuild(target, {
        dryRun,
        ...(batchSize ? { batchSize } : {}),
        ...(ctx.json ? {} : { log: (line: string) => ctx.io.err(line) }),
      });
      const total = Object.values(result.events).reduce((a, b) => a + b, 0);
      print(ctx, { rebuilt: !dryRun, ...result }, () => [
        `${dryRun ? 'Dry run: would rebuild' : 'Rebuilt'} the reporting read model of ${target.description}:`,
        `  read ${result.read.products} product(s), ${result.read.levels} level(s) with ${result.read.movements} movement(s), ` +
          `${result.read.reservations} expired reservation(s), ${result.read.orders} order(s)`,
        table(
          ['EVENT', dryRun ? 'WOULD APPLY' : 'APPLIED'],
          Object.entries(result.events).map(([kind, n]) => [kind, n]),
        ),
        ...(result.versionMismatches.length
          ? [
              `  ${result.versionMismatches.length} level(s) whose version is not their number of movements (numbered to end on it): ${result.versionMismatches.slice(0, 10).join(', ')}`,
            ]
          : []),
        `${dryRun ? 'Would apply' : 'Applied'} ${dryRun ? total : result.applied} event(s) in ${(result.durationMs / 1000).toFixed(1)} s.`,
      ]);
      return EXIT.ok;
    },
  },
];

function optionsHelp(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return `  ${flag.padEnd(28)} ${spec.description}`;
  });
}

function usageOf(command: Command): string {
  const own = Object.entries(command.options)
    .map(([name, spec]) => {
      const flag = `--${name}${spec.value ? ` ${spec.value}` : ''}`;
      return spec.required ? flag : `[${flag}]`;
    })
    .join(' ');
  return `npx azura ${command.name}${command.args ? ` ${command.args}` : ''}${own ? ` ${own}` : ''}`;
}

export function mainHelp(): string {
  return [
    "azura: the operator's command line of Azura Inventory",
    '',
    'Usage: npx azura <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${`${c.name}${c.args ? ` ${c.args}` : ''}`.padEnd(22)} ${c.summary}`),
    '',
    'Options of every command:',
    ...optionsHelp(GLOBAL_OPTIONS),
    '',
    'Without --stage it works on the running `npm start` (found through .data/runtime.json); with',
    '--stage it uses your AWS credentials and region. Exit codes: 0 ok, 1 drift or failure found,',
    '2 usage error. `npx azura <command> --help` tells more. Runbook: docs/operations.md.',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `Usage: ${usageOf(command)}`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    '',
    command.details,
    '',
    ...(Object.keys(command.options).length ? ['Options:', ...optionsHelp(command.options), ''] : []),
    'Options of every command:',
    ...optionsHelp(GLOBAL_OPTIONS),
  ].join('\n');
}

const toParseArgs = (options: Record<string, OptionSpec>) =>
  Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      { type: spec.type, ...(spec.short ? { short: spec.short } : {}) },
    ]),
  );

/** Runs one command line; returns the exit code (never exits the process itself). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const loose = parseArgs({
    args: [...argv],
    options: toParseArgs(GLOBAL_OPTIONS),
    allowPositionals: true,
    strict: false,
  });
  const words = loose.positionals;
  const command = COMMANDS.find((c) => c.name === words.slice(0, 2).join(' '));
  if (!command) {
    if (!words.length) {
      io.out(mainHelp());
      return loose.values.help ? EXIT.ok : EXIT.usage;
    }
    const group = COMMANDS.filter((c) => c.name.startsWith(`${words[0]} `));
    io.err(
      group.length && words.length === 1
        ? `azura ${words[0]}: which one? ${group.map((c) => c.name).join(', ')}`
        : `azura: unknown command "${words.slice(0, 2).join(' ')}"`,
    );
    io.err('Run `npx azura --help` for the list of commands.');
    return EXIT.usage;
  }
  if (loose.values.help) {
    io.out(commandHelp(command));
    return EXIT.ok;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: toParseArgs({ ...GLOBAL_OPTIONS, ...command.options }),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.err(`azura ${command.name}: ${(error as Error).message}`);
    io.err(`Usage: ${usageOf(command)}`);
    return EXIT.usage;
  }
  const positionals = parsed.positionals.slice(2);
  if (positionals.length !== command.positionals) {
    io.err(
      `azura ${command.name}: expected ${command.positionals ? command.args : 'no arguments'}, got ${positionals.length ? positionals.join(' ') : 'none'}`,
    );
    io.err(`Usage: ${usageOf(command)}`);
    return EXIT.usage;
  }
  const values = parsed.values as Context['values'];
  let target: Target | undefined;
  const ctx: Context = {
    io,
    json: Boolean(values.json),
    positionals,
    values,
    target: async () => {
      target ??= await resolveTarget({
        stage: values.stage as string | undefined,
        runtimeFile: (values['runtime-file'] as string | undefined) ?? process.env.AZURA_RUNTIME_FILE,
      });
      return target;
    },
  };
  try {
    return await command.run(ctx);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`azura ${command.name}: ${error.message}`);
      return error.exitCode;
    }
    const code =
      (error as { code?: string; cause?: { code?: string } }).code ??
      (error as { cause?: { code?: string } }).cause?.code;
    if (target?.kind === 'local' && (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(error)))) {
      io.err(
        `azura ${command.name}: ${target.description} does not answer (${(error as Error).message}): is \`npm start\` still running?`,
      );
      return EXIT.found;
    }
    io.err(`azura ${command.name}: ${(error as Error).name}: ${(error as Error).message}`);
    return EXIT.found;
  }
}
