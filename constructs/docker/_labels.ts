// Docker objects take labels as a list of { label, value } blocks; sorted so the plan is stable.

export function labelBlocks(labels: Readonly<Record<string, string>>): Array<{ label: string; value: string }> {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));
}
