// Docker object names (networks, hosts in this extension's settings): one rule, shared by the core,
// the CLI, the extension and the webview's message checks.
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export function isDockerName(text: unknown): text is string {
  return typeof text === 'string' && NAME_PATTERN.test(text);
}
