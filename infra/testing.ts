import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ServiceDecl } from '../lib/topology.ts';
import { type Azura, applyNag, cdkJsonContext, defineAzura, settingsFromContext } from './azura.ts';
import { NAME_TAG } from './topology.ts';

/**
 * Support for the CDK assertion tests (test/infra-*.test.ts): the app as `cdk synth` builds it,
 * and small readers of the synthesized templates.
 */

export interface TestAppOptions {
  stage?: string;
  /** Run cdk-nag's AWS Solutions checks on synthesis, as `infra/app.ts` does. */
  nag?: boolean;
  /** CDK's built-in CloudFormation template validation (on in `cdk synth`; costs ~10 s). */
  cfnValidation?: boolean;
  context?: Record<string, unknown>;
}

/**
 * The app exactly as `cdk synth` builds it (same cdk.json feature flags, same settings from
 * context), except that no stack is bundled (`aws:cdk:bundling-stacks` = []): NodejsFunction
 * still checks that each entry exists but skips esbuild. `cdk synth|deploy` sets that context to
 * the selected stacks itself, so real synthesis always bundles.
 */
export function testApp(
  services: readonly ServiceDecl[],
  options: TestAppOptions = {},
): { app: App; azura: Azura } {
  const app = new App({
    builtinCloudFormationValidation: options.cfnValidation ?? false,
    context: {
      ...cdkJsonContext(),
      stage: options.stage ?? 'test',
      'aws:cdk:bundling-stacks': [],
      ...options.context,
    },
  });
  const azura = defineAzura(app, services, settingsFromContext(app.node));
  if (options.nag) applyNag(app);
  return { app, azura };
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown> & { Tags?: { Key: string; Value: string }[] };
  DeletionPolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Export?: { Name: unknown } }>;
}

export const templateOf = (stack: Stack): CfnTemplate => Template.fromStack(stack).toJSON() as CfnTemplate;

/** `[logicalId, resource]` of every resource of a type. */
export const resourcesOf = (template: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

export const tagOf = (resource: CfnResource, key: string): string | undefined =>
  resource.Properties?.Tags?.find((t) => t.Key === key)?.Value;

/** The declared name a resource was tagged with (`azura:name`). */
export const declaredName = (resource: CfnResource): string | undefined => tagOf(resource, NAME_TAG);

/** Logical id in `{ "Fn::GetAtt": [id, attr] }` or `{ "Ref": id }`. */
export function localTarget(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v['Fn::GetAtt'])) return String(v['Fn::GetAtt'][0]);
  if (typeof v.Ref === 'string') return v.Ref;
  return undefined;
}

/**
 * Every logical id of `producer` that `value` (from another stack's template) refers to, through
 * weak (`Fn::GetStackOutput`) or strong (`Fn::ImportValue`) cross-stack references.
 */
export function crossStackTargets(value: unknown, producer: CfnTemplate): string[] {
  const outputs = Object.values(producer.Outputs ?? {});
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const v = node as Record<string, unknown>;
    const weak = v['Fn::GetStackOutput'] as { OutputName?: string } | undefined;
    if (weak?.OutputName) {
      const target = localTarget(producer.Outputs?.[weak.OutputName]?.Value);
      if (target) found.push(target);
      return;
    }
    if (v['Fn::ImportValue'] !== undefined) {
      const name = JSON.stringify(v['Fn::ImportValue']);
      const output = outputs.find((o) => JSON.stringify(o.Export?.Name) === name);
      const target = localTarget(output?.Value);
      if (target) found.push(target);
      return;
    }
    for (const item of Object.values(v)) visit(item);
  };
  visit(value);
  return found;
}
