// Reads the settings folder (base.yaml + one file per environment), layers and validates them.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { deepMerge } from "./layering";
import { Platform } from "./state-backend";
import { ConfigError, Environment, pathSegment, validateEnvironments } from "./validate";

function projectRoot(start: string): string {
  // Works from the sources (settings/) and from the compiled output (dist/settings/).
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
  /** The platform every environment deploys to (DEPLOY_TARGET). @default - each environment's target.platform */
  readonly platform?: Platform;
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
  let files: string[];
  try {
    files = fs.readdirSync(settingsDir);
  } catch (error) {
    throw new ConfigError([`${settingsDir}: cannot be read as a settings folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; it holds base.yaml and one <environment>.yaml per environment)`]);
  }
  return files
    .filter((file) => file.endsWith(".yaml") && file !== BASE_FILE)
    .map((file) => file.slice(0, -".yaml".length))
    .sort();
}

/**
 * The raw settings of every environment after layering (base.yaml + <env>.yaml), by name, before validation:
 * the shape a reviewer edits. Throws a ConfigError naming each file that is not YAML, each name repeated in a
 * named list, and each environment file that leaves out what it must set itself.
 */
export function layeredSettings(settingsDir: string = DEFAULT_SETTINGS_DIR): Map<string, unknown> {
  const problems: string[] = [];
  const base = readYaml(path.join(settingsDir, BASE_FILE), problems);
  problems.push(...repeatedNames(BASE_FILE, base));
  const layered = new Map<string, unknown>();
  for (const name of environmentNames(settingsDir)) {
    const file = `${name}.yaml`;
    const override = readYaml(path.join(settingsDir, file), problems);
    const merged = deepMerge(base, override);
    problems.push(...repeatedNames(file, override), ...unsetPerEnvironment(file, override, merged));
    layered.set(name, merged);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return layered;
}

type Node = { readonly [key: string]: unknown };

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

/** Every name used twice in one named list (a list of items with a `name`) anywhere in `document`. */
function repeatedNames(file: string, document: unknown, at = ""): string[] {
  if (Array.isArray(document)) {
    const problems: string[] = [];
    const first = new Map<string, number>();
    document.forEach((item, index) => {
      const name = isNode(item) && typeof item.name === "string" ? item.name : undefined;
      if (name === undefined) return;
      const earlier = first.get(name);
      if (earlier !== undefined) {
        problems.push(`${file}: ${at}[${index}] repeats the name ${JSON.stringify(name)} of ${at}[${earlier}] (names in a list are unique: merge the two entries or rename one)`);
      } else {
        first.set(name, index);
      }
    });
    return [...problems, ...document.flatMap((item, index) => repeatedNames(file, item, `${at}[${index}]`))];
  }
  if (!isNode(document)) return [];
  return Object.entries(document).flatMap(([key, value]) => repeatedNames(file, value, at === "" ? pathSegment(key) : `${at}.${pathSegment(key)}`));
}

/** What each environment must set itself: sharing it with another environment would mix them. */
function unsetPerEnvironment(file: string, override: unknown, merged: unknown): string[] {
  if (!isNode(override) || !isNode(merged)) return [];
  const problems: string[] = [];
  const must = (what: string, why: string) => problems.push(`${file}: ${what} is not set (every environment file sets its own ${why}; the base value cannot be inherited)`);
  if (override.namespace === undefined) must("namespace", "namespace");
  const docker = isNode(override.target) && isNode(override.target.docker) ? override.target.docker : {};
  if (docker.ingressPort === undefined) must("target.docker.ingressPort", "Docker ingress port");
  const ownServices = Array.isArray(override.services) ? override.services.filter(isNode) : [];
  for (const service of Array.isArray(merged.services) ? merged.services.filter(isNode) : []) {
    if (!isNode(service.ingress) || typeof service.name !== "string") continue;
    const own = ownServices.find((candidate) => candidate.name === service.name);
    if (!isNode(own?.ingress) || own.ingress.host === undefined) must(`services.${pathSegment(service.name)}.ingress.host`, "ingress host for each service");
  }
  return problems;
}

/**
 * Loads, layers and validates every environment in `settingsDir`.
 * Relative secret file paths are resolved against the project root (the settings folder's parent).
 */
export function loadEnvironments(settingsDir: string = DEFAULT_SETTINGS_DIR, options: LoadOptions = {}): Environment[] {
  const names = environmentNames(settingsDir);
  const unknown = (options.only ?? []).filter((name) => !names.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((name) => `${name}: unknown environment "${name}" (known: ${names.join(", ")})`));
  }
  const specs = environmentsFromLayered(layeredSettings(settingsDir), settingsDir, options);
  return options.only ? specs.filter((spec) => options.only?.includes(spec.name)) : specs;
}

/**
 * Validates layered settings (name → merged raw settings, as {@link layeredSettings} returns them) as if they had
 * been read from `settingsDir`: relative secret file paths are resolved against its parent, built image folders
 * must be folders of this project.
 */
export function environmentsFromLayered(layered: ReadonlyMap<string, unknown>, settingsDir: string, options: Pick<LoadOptions, "platform"> = {}): Environment[] {
  const root = path.dirname(path.resolve(settingsDir));
  const validated = validateEnvironments(layered, { platform: options.platform });
  const missingBuilds = validated.flatMap((spec) =>
    spec.services.flatMap((service) => {
      const folder = service.image.build;
      // A folder of this project (where app/ is), wherever the settings folder is.
      const project = path.dirname(DEFAULT_SETTINGS_DIR);
      if (folder === undefined || fs.existsSync(path.join(project, folder, "Dockerfile"))) return [];
      return [`${spec.name}: services.${service.name}.image.build "${folder}" is not a folder of this project with a Dockerfile (${path.join(project, folder)})`];
    }),
  );
  if (missingBuilds.length > 0) throw new ConfigError(missingBuilds);
  return validated.map((spec) => ({
    ...spec,
    services: spec.services.map((service) => ({
      ...service,
      secrets: service.secrets.map((secret) =>
        secret.from?.file === undefined ? secret : { ...secret, from: { file: path.resolve(root, secret.from.file) } },
      ),
    })),
  }));
}
