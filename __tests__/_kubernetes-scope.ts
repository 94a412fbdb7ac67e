// Shared by the Kubernetes construct tests: a scope with a small IsolatedNamespace, synthesized to JSON.
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { IsolatedNamespace } from "../constructs/kubernetes";

export type Json = { resource: Record<string, Record<string, any>> };

/** The JSON of what `build` adds beside a namespace "team-a" with a small quota. */
export function synthInNamespace(build: (scope: Construct, namespace: IsolatedNamespace) => void): Json {
  return JSON.parse(
    Testing.synthScope((scope: Construct) => {
      const namespace = new IsolatedNamespace(scope, "ns", {
        name: "team-a",
        quota: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" }, pods: 5 },
        defaultContainerLimits: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
      });
      build(scope, namespace);
    }),
  ) as Json;
}

/** Every resource of one type. */
export const all = (json: Json, type: string): any[] => Object.values(json.resource[type] ?? {});
