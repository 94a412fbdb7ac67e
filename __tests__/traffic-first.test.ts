// The order of a deploy and of every release step: traffic first, capacity second, "deployed" once it answers.
import { applyTrafficFirst } from "../cli/traffic-first";

function recorder(failAt?: string) {
  const order: string[] = [];
  const step = (name: string) => () => {
    order.push(name);
    if (name === failAt) throw new Error(`${name} failed`);
  };
  const check = (name: string) => () => Promise.resolve().then(step(name));
  return { order, step, check };
}

describe("applyTrafficFirst", () => {
  test("routes (with what they route to) first, then the entry answering with them, then the rest, then every URL", async () => {
    // GIVEN a stack with routes
    const { order, step, check } = recorder();
    // WHEN applied
    await applyTrafficFirst({ applyRoutes: step("routes"), routesInEffect: check("routes in effect"), applyAll: step("all"), answers: check("answers") });
    // THEN nothing loses its requests before the entry answers with the new routes
    expect(order).toEqual(["routes", "routes in effect", "all", "answers"]);
  });

  test("without routes (Ingress routing): the whole apply, then every URL", async () => {
    const { order, step, check } = recorder();
    await applyTrafficFirst({ routesInEffect: check("routes in effect"), applyAll: step("all"), answers: check("answers") });
    expect(order).toEqual(["all", "answers"]);
  });

  test("when the entry does not take the routes, nothing that lost its requests is removed", async () => {
    // GIVEN an entry that never answers with the new routes
    const { order, step, check } = recorder("routes in effect");
    // WHEN applied  THEN it fails there, and the whole apply never ran
    await expect(applyTrafficFirst({ applyRoutes: step("routes"), routesInEffect: check("routes in effect"), applyAll: step("all"), answers: check("answers") })).rejects.toThrow("routes in effect failed");
    expect(order).toEqual(["routes", "routes in effect"]);
  });
});
