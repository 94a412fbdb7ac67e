// The Terraform variable that names the file a file-sourced secret is read from: the stacks declare it (its default
// is the settings path, TF_VAR_<name> points elsewhere) and the plan report reads it to mask the file's contents.

export const SECRET_FILE_VARIABLE_PREFIX = "secret_file_";

/** `secret_file_<service>_<secret>`. */
export function secretFileVariable(serviceName: string, secretName: string): string {
  return `${SECRET_FILE_VARIABLE_PREFIX}${serviceName}_${secretName}`;
}
