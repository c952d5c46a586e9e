import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/core/errors';
import { hostProblems, parseHosts } from '../../src/core/hosts/hostsConfig';

test('valid host lists parse, copies are returned', () => {
  const input = [
    { name: 'h1', host: '10.99.0.1', port: 22, user: 'root', identityFile: '/k', dockerSocket: '/var/run/docker.sock' },
    { name: 'web-2.prod', host: 'web2' },
    { name: 'v6', host: 'fd00::1' },
  ];
  const hosts = parseHosts(input);
  assert.deepEqual(hosts, input);
  assert.notEqual(hosts[0], input[0]);
});

const bad: Array<[string, unknown, RegExp]> = [
  ['not an array', { name: 'h1' }, /must be a JSON array/],
  ['entry not an object', ['h1'], /must be an object/],
  ['missing name', [{ host: 'x' }], /needs a "name"/],
  ['name with space', [{ name: 'a b', host: 'x' }], /needs a "name"/],
  ['name too long', [{ name: 'a'.repeat(64), host: 'x' }], /needs a "name"/],
  ['host as option', [{ name: 'a', host: '-oProxyCommand=x' }], /needs a "host"/],
  ['host with shell chars', [{ name: 'a', host: 'x;rm -rf /' }], /needs a "host"/],
  ['port 0', [{ name: 'a', host: 'x', port: 0 }], /"port" must be/],
  ['port text', [{ name: 'a', host: 'x', port: '22' }], /"port" must be/],
  ['port fraction', [{ name: 'a', host: 'x', port: 22.5 }], /"port" must be/],
  ['bad user', [{ name: 'a', host: 'x', user: 'a b' }], /"user" is not a valid user name/],
  ['relative socket', [{ name: 'a', host: 'x', dockerSocket: 'docker.sock' }], /absolute path/],
  ['password field', [{ name: 'a', host: 'x', password: 'hunter22' }], /secrets do not belong/],
  ['unknown field', [{ name: 'a', host: 'x', colour: 'red' }], /unknown field "colour"/],
  [
    'duplicate names',
    [
      { name: 'a', host: 'x' },
      { name: 'a', host: 'y' },
    ],
    /names must be unique/,
  ],
];

for (const [label, value, pattern] of bad) {
  test(`refused: ${label}`, () => {
    assert.throws(
      () => parseHosts(value, 'hosts.json'),
      (err: unknown) => err instanceof ConfigError && pattern.test(err.message) && err.message.startsWith('hosts.json'),
    );
  });
}

test('a refused secret is never echoed back', () => {
  const problems = hostProblems({ name: 'a', host: 'x', passphrase: 'correct horse battery' }, 0);
  assert.equal(problems.length, 1);
  assert.ok(!problems[0]!.includes('correct horse'));
});
