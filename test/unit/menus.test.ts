// Context menus against the tree items' contextValue tokens: for representative items of each view,
// exactly the expected commands are offered (the `when` clauses are evaluated as VS Code does for
// the forms the manifest uses: `view == X` and `viewItem =~ /re/` joined by &&).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { contextTokens, swarmStateToken } from '../../src/vscode/tree/contextTokens';

const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'));
const entries: Array<{ command: string; when: string; group?: string }> = pkg.contributes.menus['view/item/context'];

function holds(when: string, view: string, viewItem: string): boolean {
  return when.split('&&').every((clause) => {
    const c = clause.trim();
    const eq = /^view == (\S+)$/.exec(c);
    if (eq) return eq[1] === view;
    const re = /^viewItem =~ \/(.*)\/$/.exec(c);
    if (re) return new RegExp(re[1]!).test(viewItem);
    throw new Error(`a when clause this test cannot read: ${c}`);
  });
}

const isInline = (e: { group?: string }): boolean => e.group === 'inline' || (e.group?.startsWith('inline@') ?? false);

function offered(view: string, viewItem: string, inline = false): string[] {
  const ids = entries
    .filter((e) => isInline(e) === inline && holds(e.when, view, viewItem))
    .map((e) => e.command.replace(/^swarmOverlay\./, ''));
  return [...new Set(ids)].sort();
}

const cases: Array<[view: string, item: string, expected: string[]]> = [
  ['hosts', contextTokens('host', 'connecting'), ['hosts.forgetSecrets', 'hosts.remove']],
  ['hosts', contextTokens('host', 'unreachable'), ['hosts.forgetSecrets', 'hosts.remove']],
  ['hosts', contextTokens('host', 'unreachable', 'hostKeyRefused'), ['hosts.forgetSecrets', 'hosts.remove', 'hosts.retryHostKey']],
  [
    'hosts',
    contextTokens('host', 'connected', swarmStateToken('inactive')),
    ['hosts.forgetSecrets', 'hosts.remove', 'swarm.init', 'swarm.joinManager', 'swarm.joinWorker'],
  ],
  [
    'hosts',
    contextTokens('host', 'connected', swarmStateToken('active'), 'manager'),
    ['hosts.forgetSecrets', 'hosts.remove', 'swarm.leave', 'swarm.rotateToken', 'swarm.showJoinCommand'],
  ],
  [
    'hosts',
    contextTokens('host', 'connected', swarmStateToken('active'), 'worker'),
    ['hosts.forgetSecrets', 'hosts.remove', 'swarm.leave'],
  ],
  [
    'hosts',
    contextTokens('host', 'connected', swarmStateToken('pending'), 'worker'),
    ['hosts.forgetSecrets', 'hosts.remove', 'swarm.leave'],
  ],
  ['hosts', 'hostProblem', []],
  ['swarm', contextTokens('swarm', 'managed'), ['network.create', 'swarm.checkPorts', 'swarm.rotateToken', 'swarm.showJoinCommand']],
  ['swarm', contextTokens('swarm', 'unmanaged'), []],
  ['swarm', contextTokens('swarmHost', 'inactive'), ['swarm.init', 'swarm.joinManager', 'swarm.joinWorker']],
  ['swarm', contextTokens('swarmHost', 'orphan'), []],
  ['swarm', 'standaloneGroup', []],
  ['swarm', contextTokens('node', 'worker', undefined, 'active', 'ready'), ['node.addLabel', 'node.drain', 'node.pause', 'node.promote']],
  [
    'swarm',
    contextTokens('node', 'manager', 'leader', 'active', 'ready', 'labelled', 'configuredHost'),
    ['network.create', 'node.addLabel', 'node.demote', 'node.drain', 'node.pause', 'node.removeLabel', 'swarm.leave'],
  ],
  [
    'swarm',
    contextTokens('node', 'manager', 'unreachable', 'pause', 'down'),
    ['network.create', 'node.activate', 'node.addLabel', 'node.demote', 'node.drain', 'node.remove'],
  ],
  ['swarm', contextTokens('node', 'worker', undefined, 'drain', 'down'), ['node.activate', 'node.addLabel', 'node.pause', 'node.remove']],
  ['swarm', 'servicesGroup', []],
  ['swarm', contextTokens('stack', 'flagged'), []],
  [
    'swarm',
    contextTokens('service', 'replicated', undefined, 'stacked'),
    ['service.checkConnectivity', 'service.forceUpdate', 'service.inspect', 'service.remove', 'service.scale', 'service.showLogs'],
  ],
  [
    'swarm',
    contextTokens('service', 'global', 'flagged'),
    ['service.checkConnectivity', 'service.forceUpdate', 'service.inspect', 'service.remove', 'service.showLogs'],
  ],
  [
    'swarm',
    contextTokens('service', 'job'),
    ['service.checkConnectivity', 'service.forceUpdate', 'service.inspect', 'service.remove', 'service.showLogs'],
  ],
  ['swarm', contextTokens('task', 'running'), []],
  ['swarm', contextTokens('task', 'rejected', 'failed'), []],
  ['networks', contextTokens('networkScope', 'swarmScope'), ['network.create', 'swarm.checkPorts']],
  ['networks', contextTokens('networkScope', 'hostScope'), []],
  ['networks', contextTokens('network', 'overlay', 'custom', 'attachable'), ['matrix.run', 'network.inspect', 'network.remove']],
  ['networks', contextTokens('network', 'overlay', 'custom'), ['matrix.run', 'network.inspect', 'network.remove']],
  ['networks', contextTokens('network', false, 'builtin'), ['network.inspect']],
  ['networks', contextTokens('network', 'overlay', 'builtin'), ['network.inspect']],
  ['networks', contextTokens('network', false, 'custom'), ['network.inspect', 'network.remove']],
  ['networks', 'networkInfo', []],
  ['networks', 'networkGroup', []],
];

test('each tree item is offered exactly its commands', () => {
  for (const [view, item, expected] of cases) {
    assert.deepEqual(offered(`swarmOverlay.${view}`, item), expected, `${view}: "${item}"`);
  }
});

// The most used action of each item, as an icon on its row (the rest stay in the context menu).
const inlineCases: Array<[view: string, item: string, expected: string[]]> = [
  ['hosts', contextTokens('host', 'connected', swarmStateToken('inactive')), ['swarm.init', 'swarm.joinWorker']],
  ['hosts', contextTokens('host', 'connected', swarmStateToken('active'), 'manager'), []],
  ['hosts', contextTokens('host', 'unreachable', swarmStateToken('inactive')), []],
  ['hosts', contextTokens('host', 'unreachable', 'hostKeyRefused'), ['hosts.retryHostKey']],
  ['hosts', contextTokens('host', 'unreachable'), []],
  ['swarm', contextTokens('swarmHost', 'inactive'), ['swarm.init', 'swarm.joinWorker']],
  ['swarm', contextTokens('swarmHost', 'orphan'), []],
  ['swarm', contextTokens('node', 'worker', undefined, 'active', 'ready'), ['node.promote']],
  ['swarm', contextTokens('node', 'worker', undefined, 'active', 'down'), []],
  ['swarm', contextTokens('node', 'manager', 'leader', 'active', 'ready'), ['node.demote']],
  ['swarm', contextTokens('swarm', 'managed'), []],
  ['swarm', contextTokens('service', 'global'), ['service.showLogs']],
  ['swarm', 'servicesGroup', []],
  ['swarm', contextTokens('task', 'running'), []],
  ['networks', contextTokens('network', 'overlay', 'custom'), ['matrix.run']],
  ['networks', contextTokens('network', 'overlay', 'builtin'), []],
  ['networks', contextTokens('network', false, 'custom'), []],
];

test('inline actions: initialize and join on a host in no swarm, promote or demote on a node, the matrix on a custom overlay', () => {
  for (const [view, item, expected] of inlineCases) {
    assert.deepEqual(offered(`swarmOverlay.${view}`, item, true), expected, `inline, ${view}: "${item}"`);
  }
  // Every inline action is also in the context menu of the same items (where its title is read).
  for (const e of entries.filter(isInline)) {
    assert.ok(
      entries.some((m) => !isInline(m) && m.command === e.command && m.when === e.when),
      `${e.command} inline and in the menu`,
    );
  }
  // Inline icons in a stated order on rows with more than one.
  for (const e of entries.filter(isInline)) {
    const sameRow = entries.filter((m) => isInline(m) && m.when === e.when);
    if (sameRow.length > 1) assert.match(e.group!, /^inline@\d+$/, `${e.command}: ordered inline`);
  }
});

test('a fact token is one word: no token matches inside another', () => {
  assert.equal(contextTokens('node', 'manager', 'un-reachable', 'ready'), 'node manager ready');
  assert.equal(swarmStateToken('inactive'), 'swarmInactive');
  assert.doesNotMatch(contextTokens('host', 'connected', swarmStateToken('inactive')), /\bswarmActive\b/);
});
