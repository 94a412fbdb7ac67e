// Shares a character budget between sections: each gets what it asks for when everyone fits, otherwise the
// small ones are served whole and the large ones split the rest evenly (water-filling). Deterministic.

/** Allotment per demand, in the demands' order; the allotments never add up to more than `budget`. */
export function shareBudget(budget: number, demands: readonly number[]): number[] {
  const allotments = demands.map(() => 0);
  let left = Math.max(0, Math.floor(budget));
  const order = demands.map((demand, index) => ({ demand, index })).sort((a, b) => a.demand - b.demand || a.index - b.index);
  order.forEach(({ demand, index }, position) => {
    const share = Math.floor(left / (order.length - position));
    allotments[index] = Math.min(demand, share);
    left -= allotments[index];
  });
  return allotments;
}
