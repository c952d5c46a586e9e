// "a, b,,c" → ["a", "b", "c"]: how every comma-separated answer (address pools, labels) is read.
export function splitCommaList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
