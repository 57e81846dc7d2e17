import type { Snapshot } from './meter.ts';

/**
 * Public AWS prices, us-east-1, on-demand (as of 2025; check https://aws.amazon.com/pricing).
 * DynamoDB on-demand bills request units: a write unit per 1 KB written (table and each GSI it
 * touches), a read unit per 4 KB read strongly consistent (half eventually consistent), both
 * doubled in a transaction — DynamoDB Local reports exactly these as ConsumedCapacity.
 */
export const PRICES = {
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  sqsRequest: 0.4 / 1e6, // per 64 KB chunk of a request
  snsPublish: 0.5 / 1e6, // per 64 KB chunk; deliveries to SQS are free
  stateTransition: 0.025 / 1000, // Standard workflows
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecondArm: 0.0000133334,
  lambdaGbSecondX86: 0.0000166667,
  lambdaMemoryGb: 0.25,
} as const;

export interface Cost {
  orders: number;
  /** [service, operation, per order] */
  operations: [string, string, number][];
  /** service → $ per 1M orders */
  perMillion: [string, number, string][];
  lambdaMeanMs: number;
  x86PerMillion: number;
}

export function costOf(ops: Snapshot, transitions: number, orders: number): Cost {
  const per = (n: number) => n / orders;
  const amount = (key: string) => ops.amounts.get(key) ?? 0;
  const rows = (map: Map<string, number>, quantity: boolean): [string, string, number][] =>
    [...map]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => {
        const [service, what] = key.split('|') as [string, string];
        return [service, quantity ? `(${what})` : what, per(n)];
      });
  const operations = [...rows(ops.requests, false), ...rows(ops.amounts, true)].sort(([a], [b]) =>
    a.localeCompare(b),
  );
  operations.push(['Step Functions', 'state transitions (states entered + retries)', per(transitions)]);
  let invocations = 0;
  let totalMs = 0;
  for (const [name, s] of [...ops.lambdas].sort(([a], [b]) => a.localeCompare(b))) {
    if (!s.invocations) continue;
    operations.push([
      'Lambda',
      `${name} invocations (mean ${(s.totalMs / s.invocations).toFixed(0)} ms)`,
      per(s.invocations),
    ]);
    invocations += s.invocations;
    totalMs += s.totalMs;
  }
  const M = 1e6 / orders;
  const writeUnits = amount('DynamoDB|write units') + amount('DynamoDB|write units (failed, estimated)');
  const readUnits = amount('DynamoDB|read units') + amount('DynamoDB|read units (failed, estimated)');
  const sqsRequests = [...ops.requests]
    .filter(([k]) => k.startsWith('SQS|') && !k.includes('idle'))
    .reduce((n, [, v]) => n + v, 0);
  const gbSeconds = (totalMs / 1000) * PRICES.lambdaMemoryGb;
  const lambdaRequests = invocations * PRICES.lambdaRequest;
  const perMillion: [string, number, string][] = [
    [
      'DynamoDB writes',
      writeUnits * PRICES.dynamoWriteUnit * M,
      `${per(writeUnits).toFixed(2)} WRU/order × $0.625/M`,
    ],
    [
      'DynamoDB reads',
      readUnits * PRICES.dynamoReadUnit * M,
      `${per(readUnits).toFixed(2)} RRU/order × $0.125/M`,
    ],
    ['DynamoDB Streams (read by Lambda)', 0, 'free when Lambda reads them'],
    ['SQS', sqsRequests * PRICES.sqsRequest * M, `${per(sqsRequests).toFixed(2)} requests/order × $0.40/M`],
    [
      'SNS',
      amount('SNS|messages published') * PRICES.snsPublish * M,
      `${per(amount('SNS|messages published')).toFixed(2)} publishes/order × $0.50/M; SQS deliveries free`,
    ],
    [
      'Step Functions (Standard)',
      transitions * PRICES.stateTransition * M,
      `${per(transitions).toFixed(1)} transitions/order × $0.025/1000`,
    ],
    ['Step Functions API calls', 0, 'StartExecution, SendTaskSuccess: not billed'],
    ['Lambda requests', lambdaRequests * M, `${per(invocations).toFixed(2)} invocations/order × $0.20/M`],
    [
      'Lambda duration (ARM64, 256 MB)',
      gbSeconds * PRICES.lambdaGbSecondArm * M,
      `${per(totalMs).toFixed(0)} ms/order × 0.25 GB × $0.0000133334/GB-s`,
    ],
  ];
  return {
    orders,
    operations,
    perMillion,
    lambdaMeanMs: invocations ? totalMs / invocations : 0,
    x86PerMillion: gbSeconds * PRICES.lambdaGbSecondX86 * M,
  };
}

export function printCosts(title: string, cost: Cost): void {
  console.log(`\n### ${title} — ${cost.orders} orders\n`);
  console.log('| service | operation | per order |');
  console.log('|---|---|---|');
  for (const [service, op, n] of cost.operations) console.log(`| ${service} | ${op} | ${n.toFixed(2)} |`);
  console.log('\n| service | $ per 1M orders | how |');
  console.log('|---|---|---|');
  let total = 0;
  for (const [service, dollars, how] of cost.perMillion) {
    total += dollars;
    console.log(`| ${service} | ${dollars.toFixed(2)} | ${how} |`);
  }
  console.log(`| **total** | **${total.toFixed(2)}** | |`);
  console.log(
    `\n(Lambda duration on x86 would be $${cost.x86PerMillion.toFixed(2)} per 1M orders instead; the durations are ` +
      `local ones — handlers awaiting emulators on a loaded 2-core machine, mean ${cost.lambdaMeanMs.toFixed(0)} ms — so that line is an upper-bound guess. ` +
      "Idle polling — empty ReceiveMessage calls, stream polling — is not per order and is left out: Lambda's own pollers make it in AWS, a few dollars a month per queue at most.)",
  );
}
