import { labCore } from '../test/support/lab';
process.on('uncaughtException', (e) => { console.log('UNCAUGHT', e); });
(async () => {
  for (let i = 0; i < 5; i++) {
    const lines: string[] = [];
    const core = labCore({}, lines);
    const h = core.hosts.get('h2');
    await h.call('warm', (d) => d.ping());
    const calls = Array.from({ length: 10 }, () => h.call('info', (d) => d.info()).catch((e) => `ERR ${e.message}`));
    await new Promise((r) => setTimeout(r, 5 + i * 3));
    core.dispose();
    const r = await Promise.all(calls);
    console.log(i, r.map((x) => (typeof x === 'string' ? x.slice(0, 50) : 'ok')).join(' | '));
    for (const l of lines.filter((l) => /bug in Node|internal/i.test(l))) console.log('LOG', l.slice(0, 2000));
  }
})();
