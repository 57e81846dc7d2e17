import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { applyNag } from '../infra/azura.ts';
import { testApp } from '../infra/testing.ts';
import { services } from '../services/index.ts';

interface ValidationReport {
  pluginReports?: {
    pluginName: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

describe('cdk-nag (AWS Solutions rules)', () => {
  it('finds nothing in the synthesized app that is not acknowledged with a reason', () => {
    // Prepare: the app as `cdk synth` checks it (less CloudFormation's own template validation, ~15 s).
    const { app } = testApp(services, { nag: true });

    // Act: synthesis runs the validation plugins; in memory it throws on any failure.
    let assemblyDir = '';
    expect(() => {
      assemblyDir = app.synth().directory;
    }).not.toThrow();

    // Assess: no violation left at all (a warning fails `cdk synth` too).
    const report = JSON.parse(
      readFileSync(join(assemblyDir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
    const left = (report.pluginReports ?? []).flatMap((r) =>
      r.violations.map(
        (v) =>
          `${v.ruleName} (${v.severity}) at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
      ),
    );
    expect(left).toEqual([]);
  });

  it('fails synthesis on a finding nobody acknowledged', () => {
    // Prepare: the same wiring on an app with one unencrypted, DLQ-less queue.
    const app = new App({ builtinCloudFormationValidation: false });
    new Queue(new Stack(app, 'careless'), 'Queue', { encryption: QueueEncryption.UNENCRYPTED });
    applyNag(app);

    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });
});
