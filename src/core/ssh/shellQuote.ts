// POSIX shell quoting: everything sent over `exec` is a fixed argument list, each argument quoted.

const SAFE = /^[A-Za-z0-9_\-.,:/@%+=]+$/;

export function shellQuote(arg: string): string {
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
