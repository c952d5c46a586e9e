// The cluster state → context keys the welcomes and the walkthrough key on; and the manifest's
// `when` clauses and completion events name only keys that are published.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CONTEXT_KEYS, type ViewFacts, WALKTHROUGH_KEYS, completionEvents, viewContext, viewState } from '../../src/vscode/viewContext';

const facts = (f: Partial<ViewFacts>): ViewFacts => ({ configured: 3, loaded: true, standalone: 0, swarms: [], ...f });

test('the view state: no hosts, loading, no swarm, ready', () => {
  assert.equal(viewState(facts({ configured: 0, loaded: false })), 'noHosts');
  assert.equal(viewState(facts({ configured: 0 })), 'noHosts');
  assert.equal(viewState(facts({ loaded: false })), 'loading');
  assert.equal(viewState(facts({ standalone: 3 })), 'noSwarm');
  // Hosts configured, none answers: read, and still no swarm.
  assert.equal(viewState(facts({ standalone: 0 })), 'noSwarm');
  assert.equal(viewState(facts({ swarms: [{ nodes: 1, overlays: 0 }] })), 'ready');
  // A swarm seen while other hosts are still being read: the tree, not "loading".
  assert.equal(viewState(facts({ loaded: false, swarms: [{ nodes: 1, overlays: 0 }] })), 'ready');
});

test('the walkthrough keys follow what the user has done', () => {
  const k = (f: Partial<ViewFacts>) => viewContext(facts(f));
  assert.deepEqual(k({ configured: 0 }), {
    [CONTEXT_KEYS.state]: 'noHosts',
    [CONTEXT_KEYS.hasHosts]: false,
    [CONTEXT_KEYS.hasSwarm]: false,
    [CONTEXT_KEYS.allJoined]: false,
    [CONTEXT_KEYS.hasOverlay]: false,
    [CONTEXT_KEYS.matrixRan]: false,
  });
  assert.equal(k({ matrixRan: true })[CONTEXT_KEYS.matrixRan], true);
  assert.equal(k({ standalone: 3 })[CONTEXT_KEYS.hasHosts], true);
  const one = k({ standalone: 2, swarms: [{ nodes: 1, overlays: 0 }] });
  assert.equal(one[CONTEXT_KEYS.hasSwarm], true);
  assert.equal(one[CONTEXT_KEYS.allJoined], false);
  // Two of three joined (the demo's start): h3 still has to join.
  assert.equal(k({ standalone: 1, swarms: [{ nodes: 2, overlays: 1 }] })[CONTEXT_KEYS.allJoined], false);
  assert.equal(k({ swarms: [{ nodes: 3, overlays: 0 }] })[CONTEXT_KEYS.allJoined], true);
  // A one-host lab: a swarm of one is not "joined the others".
  assert.equal(k({ configured: 1, swarms: [{ nodes: 1, overlays: 0 }] })[CONTEXT_KEYS.allJoined], false);
  // Not before the first read ends: a slow host may still turn out to be outside the swarm.
  assert.equal(k({ loaded: false, swarms: [{ nodes: 3, overlays: 0 }] })[CONTEXT_KEYS.allJoined], false);
  assert.equal(k({ swarms: [{ nodes: 3, overlays: 0 }] })[CONTEXT_KEYS.hasOverlay], false);
  assert.equal(
    k({
      swarms: [
        { nodes: 1, overlays: 0 },
        { nodes: 3, overlays: 2 },
      ],
    })[CONTEXT_KEYS.hasOverlay],
    true,
  );
});

test('the manifest keys its welcomes and walkthrough steps on published keys and states only', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
  const keys = new Set<string>(Object.values(CONTEXT_KEYS));
  const states = new Set(['loading', 'noHosts', 'noSwarm', 'ready']);
  const welcomes: Array<{ view: string; when?: string }> = pkg.contributes.viewsWelcome;
  for (const w of welcomes) {
    for (const [, key] of (w.when ?? '').matchAll(/\b(swarmOverlay\.[A-Za-z]+)\b/g)) assert.ok(keys.has(key!), `${w.view}: ${key}`);
    for (const [, s] of (w.when ?? '').matchAll(/swarmOverlay\.state == (\w+)/g)) assert.ok(states.has(s!), `${w.view}: state ${s}`);
  }
  // Every state but "ready" (which shows a tree) has a welcome in the Swarm view, and the Networks view has some.
  for (const s of ['loading', 'noHosts', 'noSwarm'])
    assert.ok(
      welcomes.some((w) => w.view === 'swarmOverlay.swarm' && w.when?.includes(`== ${s}`)),
      `a Swarm welcome for ${s}`,
    );
  assert.ok(welcomes.some((w) => w.view === 'swarmOverlay.networks'));
  const steps: Array<{ id: string; completionEvents: string[]; media: { image?: string } }> = pkg.contributes.walkthroughs[0].steps;
  assert.deepEqual(
    steps.map((s) => s.id),
    ['addHost', 'initSwarm', 'joinSwarm', 'createOverlay', 'runMatrix'],
  );
  for (const s of steps) {
    // Each step completes on its key, and on its key with the pulse (see WALKTHROUGH_PULSE).
    const key = WALKTHROUGH_KEYS[steps.indexOf(s)]!;
    assert.ok(keys.has(key), `${s.id}: ${key}`);
    assert.deepEqual(s.completionEvents, completionEvents(key), s.id);
    if (s.media.image) readFileSync(path.resolve(__dirname, '..', '..', s.media.image));
  }
});
