// The cdktf app: one stack per settings file in environments/ (see stacks/synthesize-app.ts for the variables
// it reads: ENVIRONMENTS, DEPLOY_TARGET, ALLOW_DESTROY, SETTINGS_DIR, TF_PROVIDER_VERSIONS).
// Bad input of any kind is a config error: its problems on stderr, exit code 1, the output folder untouched.
import { ConfigError } from "./settings";
import { synthesizeApp } from "./stacks/synthesize-app";

try {
  // stdout: cdktf shows it as is (it marks all of the app's stderr as an error)
  for (const note of synthesizeApp(process.env).notes) process.stdout.write(`${note}\n`);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
