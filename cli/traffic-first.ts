// The order every deploy and every release step applies a stack in, whatever the target: traffic first, capacity
// second. The routes go first, with what they send requests to (created or rolled, and ready, before the route
// changes: the route depends on it); then the traffic entry must answer with those routes before anything that lost
// its requests is removed, scaled down or restarted; then the rest, and "deployed" only once every URL answers with
// the versions the settings ask for. A platform supplies the applies and the checks; the order lives here alone.

/** What one platform's deploy does, each a step of the order. */
export interface TrafficFirstSteps {
  /** Applies the routes and what they route to (a targeted apply). @default - no routes: nothing goes first */
  readonly applyRoutes?: () => void;
  /** Waits until the traffic entry answers with the routes just applied; throws when it does not in time. */
  readonly routesInEffect: () => Promise<void>;
  /** Applies the whole stack: what lost its requests goes now. */
  readonly applyAll: () => void;
  /** Waits until every URL answers with a version the settings ask for; throws when one does not in time. */
  readonly answers: () => Promise<void>;
}

/** Applies a stack traffic first (see the file's comment). */
export async function applyTrafficFirst(steps: TrafficFirstSteps): Promise<void> {
  if (steps.applyRoutes !== undefined) {
    steps.applyRoutes();
    await steps.routesInEffect();
  }
  steps.applyAll();
  await steps.answers();
}
