// Reads a folder of plans, one sub-folder per stack:
//   <dir>/<stack>/plan.json (or plan.json.gz)  terraform show -json <planfile>
//   <dir>/<stack>/plan.txt                     terraform show -no-color <planfile>   (optional)
//   <dir>/<stack>/meta.json                    {"stack": "...", "target": "..."}     (optional)
//   <dir>/<stack>/error.txt                    why planning failed, instead of plan.json
//   <dir>/<stack>/causes.json                  why each resource changes (npm run plan:pr)          (optional)
//   <dir>/review.json                          how the plans of a pull request were made (plan:pr)  (optional)
import * as fs from "fs";
import * as path from "path";
import { gunzipSync } from "zlib";
import { parseReview, parseStackCauses, ReviewJson, StackCausesJson } from "./change-causes";
import { parsePlanJson, PlanInputError, PlanJson } from "./plan-json";
import { compareText } from "./summarize";

/** A stack's files, before the settings say whether it is protected. */
export interface PlanFiles {
  readonly stack: string;
  readonly target: string;
  /** The stack's folder under the plans folder. */
  readonly folder: string;
  readonly plan?: PlanJson;
  readonly planText?: string;
  readonly error?: string;
  /** Why each resource changes. @default - not traced */
  readonly causes?: StackCausesJson;
}

function readText(file: string): string | undefined {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8");
  if (fs.existsSync(`${file}.gz`)) return gunzipSync(fs.readFileSync(`${file}.gz`)).toString("utf8");
  return undefined;
}

/** The platform from the plan's provider configuration, when meta.json does not say. */
function targetOf(plan: PlanJson | undefined): string {
  const providers = Object.values(plan?.configuration?.provider_config ?? {}).map((provider) => provider.name ?? "");
  const known = ["kubernetes", "docker"].filter((name) => providers.includes(name));
  return known.length === 1 ? known[0] : "unknown";
}

/** Every stack under `dir`, sorted by name. Fails naming the file when one cannot be read. */
export function readPlanDir(dir: string): PlanFiles[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new PlanInputError(`${dir}: is not a folder of plans`);
  const stacks = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(compareText)
    .flatMap((name): PlanFiles[] => {
      const folder = path.join(dir, name);
      const planFile = path.join(folder, "plan.json");
      const planJson = readText(planFile);
      const error = readText(path.join(folder, "error.txt"));
      if (planJson === undefined && error === undefined) return [];
      const plan = planJson === undefined ? undefined : parsePlanJson(planJson, planFile);
      const metaText = readText(path.join(folder, "meta.json"));
      let meta: { stack?: unknown; target?: unknown } = {};
      if (metaText !== undefined) {
        try {
          meta = JSON.parse(metaText) as typeof meta;
        } catch (cause) {
          throw new PlanInputError(`${path.join(folder, "meta.json")}: is not JSON (${(cause as Error).message})`);
        }
      }
      const planText = readText(path.join(folder, "plan.txt"));
      const causesText = readText(path.join(folder, "causes.json"));
      return [
        {
          stack: typeof meta.stack === "string" && meta.stack !== "" ? meta.stack : name,
          target: typeof meta.target === "string" && meta.target !== "" ? meta.target : targetOf(plan),
          folder: name,
          ...(plan ? { plan } : {}),
          ...(planText !== undefined ? { planText } : {}),
          ...(plan === undefined && error !== undefined ? { error } : {}),
          ...(causesText !== undefined ? { causes: parseStackCauses(causesText, path.join(folder, "causes.json")) } : {}),
        },
      ];
    });
  if (stacks.length === 0) throw new PlanInputError(`${dir}: holds no <stack>/plan.json (nor <stack>/error.txt)`);
  return stacks;
}

/** How the plans in `dir` were made, when `npm run plan:pr` made them. */
export function readReview(dir: string): ReviewJson | undefined {
  const file = path.join(dir, "review.json");
  const text = readText(file);
  return text === undefined ? undefined : parseReview(text, file);
}
