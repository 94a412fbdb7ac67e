// Reads the settings folder (base.yaml + one file per environment), layers and validates them.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { deepMerge } from "./layering";
import { ConfigError, EnvironmentSpec, validateEnvironments } from "./validate";

function projectRoot(start: string): string {
  // Works from the sources (spec/) and from the compiled output (dist/spec/).
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "cdktf.json"))) return dir;
  }
  return process.cwd();
}

/** The settings folder shipped with the project. */
export const DEFAULT_SETTINGS_DIR = path.join(projectRoot(__dirname), "environments");

const BASE_FILE = "base.yaml";

/** Options for {@link loadEnvironments}. */
export interface LoadOptions {
  /** Only return these environments (all are still validated, so cross-environment rules hold). @default - every environment */
  readonly only?: readonly string[];
}

function readYaml(file: string, problems: string[]): unknown {
  try {
    return parse(fs.readFileSync(file, "utf8")) ?? {};
  } catch (error) {
    problems.push(`${path.basename(file)}: cannot be read as YAML (${(error as Error).message.split("\n")[0]})`);
    return {};
  }
}

/** Environment names: one per `<name>.yaml` file beside base.yaml. */
export function environmentNames(settingsDir: string = DEFAULT_SETTINGS_DIR): string[] {
  return fs
    .readdirSync(settingsDir)
    .filter((file) => file.endsWith(".yaml") && file !== BASE_FILE)
    .map((file) => file.slice(0, -".yaml".length))
    .sort();
}

/**
 * The raw settings of every environment after layering (base.yaml + <env>.yaml), by name, before validation:
 * the shape a reviewer edits. Throws a ConfigError naming each file that is not YAML.
 */
export function layeredSettings(settingsDir: string = DEFAULT_SETTINGS_DIR): Map<string, unknown> {
  const problems: string[] = [];
  const base = readYaml(path.join(settingsDir, BASE_FILE), problems);
  const layered = new Map<string, unknown>(
    environmentNames(settingsDir).map((name) => [name, deepMerge(base, readYaml(path.join(settingsDir, `${name}.yaml`), problems))]),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return layered;
}

/**
 * Loads, layers and validates every environment in `settingsDir`.
 * Relative secret file paths are resolved against the project root (the settings folder's parent).
 */
export function loadEnvironments(settingsDir: string = DEFAULT_SETTINGS_DIR, options: LoadOptions = {}): EnvironmentSpec[] {
  const names = environmentNames(settingsDir);
  const unknown = (options.only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((name) => `${name}: unknown environment "${name}" (known: ${names.join(", ")})`));
  }
  const layered = layeredSettings(settingsDir);

  const root = path.dirname(path.resolve(settingsDir));
  const specs = validateEnvironments(layered).map((spec) => ({
    ...spec,
    services: spec.services.map((service) => ({
      ...service,
      secrets: service.secrets.map((secret) =>
        secret.from?.file === undefined ? secret : { ...secret, from: { file: path.resolve(root, secret.from.file) } },
      ),
    })),
  }));
  return options.only ? specs.filter((spec) => options.only?.includes(spec.name)) : specs;
}
