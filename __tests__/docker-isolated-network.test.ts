import { Network } from "@cdktf/provider-docker/lib/network";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { IsolatedNetwork, IsolatedNetworkProps } from "../constructs/docker";

const synth = (props: Partial<IsolatedNetworkProps> = {}) =>
  Testing.synthScope((scope: Construct) => {
    new IsolatedNetwork(scope, "network", { name: "envapi-test", ...props });
  });

describe("IsolatedNetwork", () => {
  test("is an internal bridge by default, labelled, and destroyable", () => {
    // GIVEN a network with labels
    const json = synth({ labels: { environment: "test", "app.kubernetes.io/part-of": "envapi" } });
    // THEN it is internal (no route out), and the labels are sorted label blocks
    expect(json).toHaveResourceWithProperties(Network, {
      name: "envapi-test",
      driver: "bridge",
      internal: true,
      labels: [
        { label: "app.kubernetes.io/part-of", value: "envapi" },
        { label: "environment", value: "test" },
      ],
      lifecycle: { prevent_destroy: false },
    });
  });

  test("can be protected from destroy and opened for a proxy's edge", () => {
    // GIVEN a protected, non-internal network  THEN both show in the resource
    expect(synth({ preventDestroy: true, internal: false })).toHaveResourceWithProperties(Network, {
      internal: false,
      lifecycle: { prevent_destroy: true },
    });
  });
});
