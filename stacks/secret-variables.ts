// Secret values as Terraform expressions: a sensitive variable per `env` source; for a `file` source, the content
// of the file a variable names (its default is the settings path), so a plan-only run can point it at a throwaway
// file with TF_VAR_<name>. Either way cdk.tf.json holds only a reference, never the value, and the path is a
// variable's literal default, never text inside an expression.
import { Fn, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { Environment, SecretReference, secretFileVariable } from "../settings";

/** Secret expressions of every service, keyed by service name then secret name. */
export type ServiceSecrets = ReadonlyMap<string, ReadonlyArray<{ readonly name: string; readonly value: string }>>;

/** The Terraform variable name read from `TF_VAR_<name>`. */
export function variableName(envSource: string): string {
  return envSource.replace(/^TF_VAR_/, "");
}

/** A secret read from a file: where the settings put it and the variable that can point elsewhere. */
export interface SecretFileSource {
  readonly service: string;
  readonly secret: SecretReference;
  /** The path from the settings (absolute). */
  readonly path: string;
  /** The variable holding the path; `TF_VAR_<variable>` overrides it. */
  readonly variable: string;
}

/** Every file-sourced secret of `spec`. */
export function secretFiles(spec: Environment): SecretFileSource[] {
  return spec.services.flatMap((service) =>
    service.secrets.flatMap((secret) =>
      secret.from?.file === undefined ? [] : [{ service: service.name, secret, path: secret.from.file, variable: secretFileVariable(service.name, secret.name) }],
    ),
  );
}

export function secretValues(scope: Construct, spec: Environment): ServiceSecrets {
  const variables = new Map<string, TerraformVariable>();
  const variable = (name: string, description: string) => {
    let existing = variables.get(name);
    if (!existing) {
      existing = new TerraformVariable(scope, name, { type: "string", sensitive: true, nullable: false, description });
      variables.set(name, existing);
    }
    return existing;
  };
  const files = secretFiles(spec);
  return new Map(
    spec.services.map((service) => [
      service.name,
      service.secrets.map((secret) => {
        const from = secret.from ?? {};
        if (from.env !== undefined) {
          return { name: secret.name, value: variable(variableName(from.env), `${spec.name}: secret ${secret.name} of service ${service.name} (set ${from.env})`).stringValue };
        }
        const file = files.find((candidate) => candidate.service === service.name && candidate.secret === secret) as SecretFileSource;
        const path = new TerraformVariable(scope, file.variable, {
          type: "string",
          nullable: false,
          default: file.path,
          description: `${spec.name}: file holding secret ${secret.name} of service ${service.name} (TF_VAR_${file.variable} reads another)`,
        });
        return { name: secret.name, value: Token.asString(Fn.sensitive(Fn.file(path.stringValue))) };
      }),
    ]),
  );
}
