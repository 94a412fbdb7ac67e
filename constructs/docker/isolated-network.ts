// A Docker network for one environment. Internal by default: no route out and, like every user-defined
// bridge, no route to another environment's network; only containers attached to it reach each other.
import { Network } from "@cdktf/provider-docker/lib/network";
import { Construct } from "constructs";
import { labelBlocks } from "./_labels";

export interface IsolatedNetworkProps {
  /** Network name, unique on the Docker host. */
  readonly name: string;
  /** Labels on the network (and, by convention, on everything attached to it). @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Cut the network off from the outside (no gateway, no published ports). @default true */
  readonly internal?: boolean;
  /** Refuse to destroy the network (Terraform `prevent_destroy`). @default false */
  readonly preventDestroy?: boolean;
}

export class IsolatedNetwork extends Construct {
  /** The network resource; attach containers to this construct, not to its name. */
  readonly network: Network;
  /** The network name. */
  readonly name: string;
  /** Labels every object on the network carries. */
  readonly labels: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: IsolatedNetworkProps) {
    super(scope, id);
    this.name = props.name;
    this.labels = { ...(props.labels ?? {}) };
    this.network = new Network(this, "network", {
      name: props.name,
      driver: "bridge",
      internal: props.internal ?? true,
      labels: labelBlocks(this.labels),
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    });
  }
}
