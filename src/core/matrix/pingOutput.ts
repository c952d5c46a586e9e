// Parsing of ping output as busybox and iputils print it. Odd or hostile output never throws: it
// yields a failed result that carries the raw text.
import type { PingResult } from '../../shared/matrix';

const MAX_RAW = 4000;

export function parsePing(raw: string, exitCode?: number): PingResult {
  const text = raw.length > MAX_RAW ? raw.slice(0, MAX_RAW) + '…' : raw;
  // \b: without it a long run of digits is retried from each digit (quadratic).
  const stats = /\b(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(raw);
  const rtt = /(?:round-trip|rtt) min\/avg\/max(?:\/mdev)? = ([\d.]+)\/([\d.]+)\/([\d.]+)/.exec(raw);
  // Counts beyond exact integers (a hostile or broken ping) are treated as no statistics.
  const counted = stats && Number.isSafeInteger(Number(stats[1])) && Number.isSafeInteger(Number(stats[2]));
  const sent = counted ? Number(stats[1]) : 0;
  const received = counted ? Math.min(Number(stats[2]), sent) : 0;
  const lossPercent = sent > 0 ? Math.round(((sent - received) / sent) * 1000) / 10 : 100;
  const out: PingResult = { ok: sent > 0 && received === sent, sent, received, lossPercent, raw: text };
  if (rtt) {
    out.minMs = Number(rtt[1]);
    out.avgMs = Number(rtt[2]);
    out.maxMs = Number(rtt[3]);
  }
  if (!out.ok) out.error = pingError(raw, sent, received, exitCode);
  return out;
}

function pingError(raw: string, sent: number, received: number, exitCode?: number): string {
  if (/bad address|unknown host|Name or service not known|Temporary failure in name resolution|could not resolve/i.test(raw)) {
    return 'name not resolved';
  }
  if (/Network unreachable|No route to host/i.test(raw)) return 'no route';
  if (/Message too long|frag needed/i.test(raw)) return 'packet too large for the path (MTU)';
  if (!/packets transmitted/.test(raw) && (exitCode === 124 || exitCode === 143)) return 'timed out (no answer to the name lookup or ping)';
  if (sent > 0 && received === 0) return 'no reply';
  if (sent > 0 && received < sent) return `${sent - received} of ${sent} replies lost`;
  return exitCode === undefined ? 'no result' : `ping exited with ${exitCode}`;
}
