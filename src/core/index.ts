// The core's surface for the extension, which loads it lazily (dist/core.js) to keep activation fast.
export { createCore, type Core, type CoreOptions } from './core';
export { parseHosts, hostProblems } from './hosts/hostsConfig';
export { dockerSshContexts } from './hosts/dockerContexts';
export { SshConfigResolver, parseUserHostPort } from './ssh/sshConfig';
export { userMessage } from './errors';
