// The resources of one synthesized stack (cdk.tf.json), by Terraform address, each with the construct path cdktf
// records for it and its configuration in a canonical form, so two syntheses can be compared resource by resource.
import * as fs from "fs";
import * as path from "path";

/** One resource or data source of a synthesized stack. */
export interface SynthesizedResource {
  /** The construct path, e.g. `staging/kubernetes-environment/api/config`. @default - not recorded */
  readonly constructPath?: string;
  /** The configuration as canonical JSON (keys sorted, cdktf's metadata left out). */
  readonly body: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with every object's keys sorted, so equal configurations give equal text. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The resources and data sources of the stack synthesized into `stackDir`, by address (`type.name`, `data.type.name`). */
export function synthesizedResources(stackDir: string): Map<string, SynthesizedResource> {
  const file = path.join(stackDir, "cdk.tf.json");
  const document = JSON.parse(fs.readFileSync(file, "utf8")) as { resource?: Record<string, Record<string, Record<string, Json>>>; data?: Record<string, Record<string, Record<string, Json>>> };
  const resources = new Map<string, SynthesizedResource>();
  const add = (prefix: string, blocks: Record<string, Record<string, Record<string, Json>>> | undefined) => {
    for (const [type, byName] of Object.entries(blocks ?? {})) {
      for (const [name, block] of Object.entries(byName)) {
        const { "//": meta, ...config } = block;
        const constructPath = (meta as { metadata?: { path?: unknown } } | undefined)?.metadata?.path;
        resources.set(`${prefix}${type}.${name}`, { ...(typeof constructPath === "string" ? { constructPath } : {}), body: canonicalJson(config) });
      }
    }
  };
  add("", document.resource);
  add("data.", document.data);
  return resources;
}
