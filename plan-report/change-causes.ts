// What `npm run plan:pr` adds beside the plans: how they were made (review.json in the plans folder) and why each
// resource changes (causes.json in a stack's folder). Both are read as untrusted input (a CI artifact) and checked.
import { z } from "zod";
import { PlanInputError } from "./plan-json";

const settingCause = z
  .object({
    /** Dotted settings path, e.g. `services.api.config.GREETING`. */
    path: z.string(),
    /** The file that changed it, e.g. `environments/staging.yaml`. */
    file: z.string(),
    from: z.unknown().optional(),
    to: z.unknown().optional(),
  })
  .strict();

/**
 * Where a change comes from: the pull request's own code or settings, the base branch (merged but not yet
 * deployed: live mode), a change made outside Terraform (drift: live mode), or none of the configuration (base
 * mode: the throwaway target differs from what the base's apply left).
 */
export const CHANGE_ORIGINS = ["pull-request", "base", "drift", "target"] as const;
export type ChangeOrigin = (typeof CHANGE_ORIGINS)[number];

const resourceCause = z
  .object({
    constructPath: z.string().optional(),
    settings: z.array(settingCause),
    settingsTogether: z.boolean(),
    code: z.boolean(),
    origins: z.array(z.enum(CHANGE_ORIGINS)),
  })
  .strict();

const stackCauses = z
  .object({
    newEnvironment: z.boolean(),
    settingChanges: z.array(settingCause),
    resources: z.record(resourceCause),
    /** Objects changed outside Terraform, with the attributes whose drift the plan undoes (live mode). */
    drift: z.array(z.object({ address: z.string(), attributes: z.array(z.string()) }).strict()),
    notes: z.array(z.string()),
  })
  .strict();

const review = z
  .object({
    mode: z.enum(["base", "live"]),
    base: z.object({ ref: z.string(), commit: z.string().regex(/^[0-9a-f]{7,64}$/) }).strict(),
    head: z.object({ commit: z.string().regex(/^[0-9a-f]{7,64}$/), dirty: z.boolean() }).strict(),
  })
  .strict();

export type SettingCause = z.infer<typeof settingCause>;
export type ResourceCauseJson = z.infer<typeof resourceCause>;
export type StackCausesJson = z.infer<typeof stackCauses>;
/** How the plans of a pull request were made. */
export type ReviewJson = z.infer<typeof review>;

function parsed<T>(schema: z.ZodType<T>, text: string, file: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(`${file}: is not JSON (${(error as Error).message})`);
  }
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  throw new PlanInputError(problems.join("\n"));
}

export function parseStackCauses(text: string, file: string): StackCausesJson {
  return parsed(stackCauses, text, file);
}

export function parseReview(text: string, file: string): ReviewJson {
  return parsed(review, text, file);
}
