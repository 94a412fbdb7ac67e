// Secret values as Terraform expressions: a sensitive variable per `env` source, the file's content for a
// `file` source. Either way cdk.tf.json holds only a reference, never the value.
import { Fn, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { EnvironmentSpec } from "../spec";

/** Secret expressions of every service, keyed by service name then secret name. */
export type ServiceSecrets = ReadonlyMap<string, ReadonlyArray<{ readonly name: string; readonly value: string }>>;

/** The Terraform variable name read from `TF_VAR_<name>`. */
export function variableName(envSource: string): string {
  return envSource.replace(/^TF_VAR_/, "");
}

export function secretValues(scope: Construct, spec: EnvironmentSpec): ServiceSecrets {
  const variables = new Map<string, TerraformVariable>();
  const variable = (name: string, description: string) => {
    let existing = variables.get(name);
    if (!existing) {
      existing = new TerraformVariable(scope, name, { type: "string", sensitive: true, nullable: false, description });
      variables.set(name, existing);
    }
    return existing;
  };
  return new Map(
    spec.services.map((service) => [
      service.name,
      service.secrets.map((secret) => {
        const from = secret.from ?? {};
        const value =
          from.env !== undefined
            ? variable(variableName(from.env), `${spec.name}: secret ${secret.name} of service ${service.name} (set ${from.env})`).stringValue
            : Fn.sensitive(Fn.file(from.file as string));
        return { name: secret.name, value };
      }),
    ]),
  );
}
