// Shared test helpers: the real settings, layered, with a patch applied to one environment.
import { App, Testing } from "cdktf";
import { deepMerge, Environment, layeredSettings, loadEnvironments, validateEnvironments } from "../settings";
import { EnvironmentStack, EnvironmentStackProps } from "../stacks";

/** Layered raw settings of every environment, with `patches[env]` merged over that environment. */
export function patchedSettings(patches: Readonly<Record<string, unknown>> = {}): Map<string, unknown> {
  return new Map([...layeredSettings()].map(([name, settings]) => [name, deepMerge(settings, patches[name] ?? {})]));
}

/** The problems reported for the real settings with `patches` applied (empty when valid). */
export function problemsWith(patches: Readonly<Record<string, unknown>>): string[] {
  try {
    validateEnvironments(patchedSettings(patches));
    return [];
  } catch (error) {
    return [...((error as { problems?: string[] }).problems ?? [String(error)])];
  }
}

/** Specs of the real settings. */
export function realSpecs(): Environment[] {
  return loadEnvironments();
}

/** The synthesized Terraform JSON of a stack built for `spec`. */
export function synthStack(spec: Environment, props: Partial<EnvironmentStackProps> = {}): TerraformJson {
  const app: App = Testing.app();
  const stack = new EnvironmentStack(app, spec.name, { spec, ...props });
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/** Just enough of cdk.tf.json's shape for the tests. */
export interface TerraformJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, Record<string, unknown>>;
  readonly provider?: Record<string, unknown[]>;
  readonly terraform: Record<string, unknown>;
}

/** Every resource of a synthesized stack as [type, address, body]. */
export function resourcesOf(json: TerraformJson): Array<[string, string, Record<string, unknown>]> {
  return Object.entries(json.resource).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]) => [type, `${type}.${name}`, body] as [string, string, Record<string, unknown>]),
  );
}

/** The resources of one type. */
export function resourcesOfType(json: TerraformJson, type: string): Array<Record<string, any>> {
  return Object.values(json.resource[type] ?? {});
}
