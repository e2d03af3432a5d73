/** ISO date of the Monday starting the week `at` falls in: names the digest, so each week posts once. */
export function weekOf(at: number): string {
  const d = new Date(at);
  const monday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * 86_400_000;
  return new Date(monday).toISOString().slice(0, 10);
}
