// Why each resource of a pull request's plan changes. The head's code is synthesized again with the environment's
// settings set back to the base's, all at once and one changed key at a time (a synth is a fraction of a second):
//   - a resource whose configuration differs from the head's when ONE key is set back is explained by that key
//     (derived changes count: GREETING changes the ConfigMap and the Deployment's checksum annotation);
//   - a resource that differs when ALL keys are set back, but for no single key, is explained by the settings
//     together (a key that cannot be set back alone without breaking validation, say);
//   - a resource whose configuration with the base's settings still differs from the base's own synth changes
//     because of the code.
// A changed resource explained by neither has the same configuration on both sides: the target differs from the
// state (drift, or a value the provider computes).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError, environmentsFromLayered, Platform, withSetting } from "../settings";
import { writeStacks } from "../stacks/synthesize-app";
import { SettingChange, settingChanges, SettingsRevision } from "./setting-changes";
import { SynthesizedResource, synthesizedResources } from "./synthesized-resources";

/** Why one resource changes. */
export interface ResourceCause {
  /** The construct that declares it, e.g. `staging/kubernetes-environment/api/config`. @default - unknown (not in the head's synth) */
  readonly constructPath?: string;
  /** The settings changes that each explain it alone. */
  readonly settings: readonly SettingChange[];
  /** The settings explain it only together (no single key set back alone does). */
  readonly settingsTogether: boolean;
  /** The code changes its configuration (with the base's settings, head and base synthesize it differently). */
  readonly code: boolean;
}

/** The causes of one stack's changes. */
export interface StackCauses {
  readonly environment: string;
  /** Every settings change of the environment, whether or not a resource shows it. */
  readonly settingChanges: readonly SettingChange[];
  /** The environment has no settings file in the base: everything in it is new. */
  readonly newEnvironment: boolean;
  /** By address, for each address asked about. */
  readonly resources: Readonly<Record<string, ResourceCause>>;
  /** What could not be traced, and why. */
  readonly notes: readonly string[];
}

export interface TraceInput {
  readonly environment: string;
  /** The platform the stacks were synthesized for. */
  readonly platform: Platform;
  readonly base: SettingsRevision;
  /** The head's settings; its folder is where relative paths in them resolve from. */
  readonly head: SettingsRevision;
  /** The base revision's own synth of the stack (its code, its settings). */
  readonly baseResources: ReadonlyMap<string, SynthesizedResource>;
  /** The addresses to explain (the plan's changed resources). */
  readonly addresses: readonly string[];
}

const sameConfig = (a: SynthesizedResource | undefined, b: SynthesizedResource | undefined) => a?.body === b?.body;

/** Synthesizes `environment` from layered settings with the head's code, into a throwaway folder. */
function synthesizeVariant(layered: ReadonlyMap<string, unknown>, input: TraceInput): Map<string, SynthesizedResource> {
  const specs = environmentsFromLayered(layered, input.head.dir, { platform: input.platform }).filter((spec) => spec.name === input.environment);
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "envapi-trace-"));
  try {
    writeStacks(specs, { outdir, platform: input.platform });
    return synthesizedResources(path.join(outdir, "stacks", input.environment));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function attempt<T>(what: string, notes: string[], run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    notes.push(`${what}: ${error.message.split("\n").join("; ")}`);
    return undefined;
  }
}

/** Traces each of `input.addresses` to the settings keys and the code that change it. */
export function traceCauses(input: TraceInput): StackCauses {
  const notes: string[] = [];
  const changes = settingChanges(input.environment, input.base, input.head);
  const newEnvironment = !input.base.layered.has(input.environment);
  const head = synthesizeVariant(input.head.layered, input);
  const withEnvironment = (settings: unknown) => new Map([...input.head.layered].map(([name, value]) => [name, name === input.environment ? settings : value]));
  const baseSettings =
    changes.length === 0 || newEnvironment
      ? head
      : attempt(`the head's code with ${input.environment}'s base settings cannot be synthesized`, notes, () => synthesizeVariant(withEnvironment(input.base.layered.get(input.environment)), input));
  const single = newEnvironment
    ? []
    : changes.map((change) => ({
        change,
        resources: attempt(`${change.path} cannot be set back alone`, notes, () =>
          synthesizeVariant(withEnvironment(withSetting(input.head.layered.get(input.environment), change.steps, change.from)), input),
        ),
      }));
  const resources: Record<string, ResourceCause> = {};
  for (const address of input.addresses) {
    const mine = head.get(address);
    const constructPath = mine?.constructPath ?? input.baseResources.get(address)?.constructPath;
    const explaining = single.filter(({ resources: variant }) => variant !== undefined && !sameConfig(mine, variant.get(address))).map(({ change }) => change);
    const bySettings = newEnvironment || (baseSettings !== undefined ? !sameConfig(mine, baseSettings.get(address)) : explaining.length > 0);
    const code = !newEnvironment && baseSettings !== undefined && !sameConfig(baseSettings.get(address), input.baseResources.get(address));
    resources[address] = {
      ...(constructPath ? { constructPath } : {}),
      settings: explaining,
      settingsTogether: bySettings && explaining.length === 0 && !newEnvironment,
      code,
    };
  }
  return { environment: input.environment, settingChanges: changes, newEnvironment, resources, notes };
}
