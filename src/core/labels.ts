// Docker object labels (nodes, networks) given as "k=v" on the command line or in an input box.
import { Refused } from './errors';

const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/;

/** Parses "k=v" pairs; one sentence for the first bad one. */
export function parseLabels(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    // Checked first and not echoed: a key can carry a pasted token as well as a value.
    if (/SWMTKN-1-|SWMKEY-1-/i.test(pair))
      throw new Refused('A label would carry a swarm join token or unlock key: labels are readable by anyone with API access.');
    const i = pair.indexOf('=');
    const key = i < 0 ? pair : pair.slice(0, i);
    if (!LABEL_KEY.test(key)) throw new Refused(`"${key}" is not a label key: use letters, digits, '.', '_', '/' or '-'.`);
    const value = i < 0 ? '' : pair.slice(i + 1);
    if (/[\0\n\r]/.test(value) || value.length > 4096)
      throw new Refused(`The value of label "${key}" has control characters or is too long.`);
    out[key] = value;
  }
  return out;
}
