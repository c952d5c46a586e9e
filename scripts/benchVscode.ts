// npm run bench, VS Code part: the packaged extension's size, and its activation time as the
// extension itself logs it ("activated in … ms") in a real VS Code (code-server + headless Chromium),
// over several fresh window loads; side by side, what loading the SSH/Docker core eagerly would add.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { launch, openSidebar, waitForWorkbench } from '../test/e2e/browser';
import { startCodeServer } from '../test/e2e/codeServer';
import { ROOT, VSIX } from '../test/e2e/env';

const LOADS = Number(process.env.BENCH_LOADS ?? 3);

function logFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? logFiles(p) : e.name === 'Swarm Overlay.log' ? [p] : [];
  });
}

function activations(dir: string): number[] {
  return logFiles(dir).flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/activated in ([\d.]+) ms/g)].map((m) => Number(m[1])));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!existsSync(VSIX)) throw new Error(`${VSIX} is missing: run npm run package first.`);
  const vsixBytes = statSync(VSIX).size;
  const bundle = (f: string) => statSync(path.join(ROOT, 'dist', f)).size;
  // The core (ssh2 + dockerode) is loaded on first use, not on activation: what an eager load would cost.
  const eager = Array.from({ length: 5 }, () =>
    Number(
      execFileSync(
        process.execPath,
        [
          '-e',
          'const t=performance.now();require(process.argv[1]);console.log((performance.now()-t).toFixed(1))',
          path.join(ROOT, 'dist', 'core.js'),
        ],
        { encoding: 'utf8' },
      ).trim(),
    ),
  );
  const cs = await startCodeServer({ logFile: path.join(ROOT, '.cache', 'bench-code-server.log') });
  const wb = await launch(cs.url);
  const times: number[] = [];
  try {
    for (let i = 0; i < LOADS; i++) {
      if (i > 0) await wb.page.goto(cs.url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await waitForWorkbench(wb.page);
      await openSidebar(wb.page);
      const deadline = Date.now() + 60_000;
      while (activations(path.join(cs.userDataDir, 'logs')).length <= i && Date.now() < deadline) await wb.page.waitForTimeout(200);
      const all = activations(path.join(cs.userDataDir, 'logs'));
      if (all.length <= i) throw new Error(`no "activated in" line after window load ${i + 1}`);
      times.push(all[all.length - 1]!);
    }
  } finally {
    await wb.close();
    await cs.stop();
  }
  const act = median(times);
  const eagerMs = median(eager);
  const lines = [
    'VS Code: package size and activation (code-server 4.139, headless Chromium, this machine):',
    '',
    '| what | value |',
    '|---|---:|',
    `| .vsix | ${(vsixBytes / 1024).toFixed(0)} KB |`,
    `| dist/extension.js (loaded on activation) | ${(bundle('extension.js') / 1024).toFixed(0)} KB |`,
    `| dist/core.js (SSH + Docker, loaded on first use) | ${(bundle('core.js') / 1024).toFixed(0)} KB |`,
    `| activate(), median of ${times.length} window loads (${times.map((t) => t.toFixed(1)).join(', ')}) | ${act.toFixed(1)} ms |`,
    `| require(dist/core.js) in plain Node, median of ${eager.length} (what an eager load would add) | ${eagerMs.toFixed(1)} ms (${(eagerMs / act).toFixed(1)}× activate) |`,
    '',
    `Targets: activation ≤ 50 ms → ${act.toFixed(1)} ms ${act <= 50 ? 'PASS' : 'MISS'}; .vsix ≤ 2 MB → ${(vsixBytes / 1024 / 1024).toFixed(2)} MB ${vsixBytes <= 2 * 1024 * 1024 ? 'PASS' : 'MISS'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${String(err)}\n`);
  process.exitCode = 1;
});
