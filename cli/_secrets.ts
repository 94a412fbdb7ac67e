// Values for a stack's secret variables on a local deploy: the ones set, or for an unprotected environment one
// generated once and kept in the toolchain cache.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../settings";
import { StackFacts } from "../stacks";

const log = (message: string) => process.stderr.write(`[envapi] ${message}\n`);

export function secretsFolder(env: NodeJS.ProcessEnv, environment: string): string {
  return path.join(env.TOOLCHAIN_CACHE || path.join(os.homedir(), ".cache", "env-as-code"), "secrets", environment);
}

/**
 * A value for every secret variable: the one set, or for an unprotected environment one generated once and kept
 * in the toolchain cache, so a local deploy works out of the box. A protected environment never gets one.
 */
export function deploySecrets(facts: StackFacts, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const values: NodeJS.ProcessEnv = {};
  const missing: string[] = [];
  for (const { variable, env: name } of facts.secretVariables) {
    if (env[name]) continue;
    if (facts.protected) {
      missing.push(name);
      continue;
    }
    const file = path.join(secretsFolder(env, facts.stack), variable);
    if (!fs.existsSync(file) || fs.statSync(file).size === 0) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      fs.writeFileSync(file, randomBytes(18).toString("base64url"), { mode: 0o600 });
      log(`${name} was not set: generated one into ${file}`);
    }
    values[name] = fs.readFileSync(file, "utf8");
  }
  if (missing.length > 0) throw new ConfigError(missing.map((name) => `${facts.stack}: ${name} is not set (a protected environment never gets a generated secret)`));
  return { ...env, ...values };
}
