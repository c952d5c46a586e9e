// Reads OpenSSH client config text into lines the resolver walks, splitting words exactly as
// readconf.c does (strdelim for the keyword and Match, argv_split for the other arguments) and
// reading Include files where they appear. Matching and values are left to sshConfig.ts.
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

export type ConfigLine =
  | { kind: 'host'; patterns: string[] }
  | { kind: 'match'; criteria: MatchCriterion[] }
  | { kind: 'include'; files: ConfigLine[][] }
  | { kind: 'option'; keyword: string; args: string[]; rest: string; where: string };

export interface MatchCriterion {
  /** Lowercase attribute: all, canonical, final, host, originalhost, user, localuser, exec. */
  attribute: string;
  negate: boolean;
  argument?: string;
}

export interface ParsedConfig {
  lines: ConfigLine[];
  /** The first error ssh would stop at (ssh refuses the whole config, wherever the error is). */
  problem?: string;
}

const WHITESPACE = ' \t\r\n';
const MAX_INCLUDE_DEPTH = 16;

/** Parses config text; `file` names it in messages, `home` anchors relative and `~` Include paths. */
export function parseSshConfig(text: string, home: string, file = 'ssh config'): ParsedConfig {
  const out: ParsedConfig = { lines: [] };
  out.lines = parseLines(text, home, file, 0, out);
  return out;
}

function parseLines(text: string, home: string, file: string, depth: number, out: ParsedConfig): ConfigLine[] {
  const lines: ConfigLine[] = [];
  const fail = (message: string): void => {
    out.problem ??= message;
  };
  text.split('\n').forEach((raw, i) => {
    const where = `${file} line ${i + 1}`;
    const cursor = { s: raw.replace(/[ \t\r\n\f]+$/, '') };
    let keyword = strdelim(cursor);
    if (keyword === '') keyword = strdelim(cursor);
    if (keyword === undefined || keyword === '' || keyword.startsWith('#')) return;
    keyword = keyword.toLowerCase();
    const rest = (cursor.s ?? '').replace(/^[ \t\r\n]+/, '');
    if (rest === '') return fail(`${where}: no argument after keyword "${keyword}".`);
    if (keyword === 'match') {
      const criteria = parseMatch(rest);
      if (typeof criteria === 'string') return fail(`${where}: ${criteria}`);
      return void lines.push({ kind: 'match', criteria });
    }
    const args = argvSplit(rest);
    if (args === undefined) return fail(`${where}: invalid quotes.`);
    if (args.some((a) => a === '') && (keyword === 'host' || keyword === 'include')) {
      return fail(`${where}: keyword ${keyword} has an empty argument.`);
    }
    if (keyword === 'host') return void lines.push({ kind: 'host', patterns: args });
    if (keyword !== 'include') return void lines.push({ kind: 'option', keyword, args, rest, where });
    if (depth + 1 > MAX_INCLUDE_DEPTH) return fail(`${where}: too many recursive configuration includes.`);
    const files: ConfigLine[][] = [];
    for (const arg of args) {
      // Relative paths live in ~/.ssh, as for ssh's user config (-F files count as user config too).
      const spec = arg.startsWith('~') || path.isAbsolute(arg) ? arg : `~/.ssh/${arg}`;
      for (const found of expandGlob(spec.replace(/^~(?=\/|$)/, home))) {
        let body: string;
        try {
          body = readFileSync(found, 'utf8');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail(`${where}: cannot read the included file ${found}.`);
          continue;
        }
        files.push(parseLines(body, home, found, depth + 1, out));
      }
    }
    lines.push({ kind: 'include', files });
  });
  return lines;
}

/** readconf.c strdelim(): one word, `"…"` quoting, a single `=` allowed as a separator. */
function strdelim(cursor: { s: string | undefined }): string | undefined {
  const s = cursor.s;
  if (s === undefined) return undefined;
  const at = s.search(/[ \t\r\n"=]/);
  if (at < 0) {
    cursor.s = undefined;
    return s;
  }
  if (s[at] === '"') {
    const close = s.indexOf('"', at + 1);
    if (close < 0) {
      cursor.s = undefined;
      return undefined;
    }
    cursor.s = skip(s, close + 1, WHITESPACE);
    return s.slice(0, at) + s.slice(at + 1, close);
  }
  let next = skip(s, at + 1, WHITESPACE);
  if (s[at] !== '=' && next.startsWith('=')) next = skip(next, 1, WHITESPACE);
  cursor.s = next;
  return s.slice(0, at);
}

function skip(s: string, from: number, chars: string): string {
  let i = from;
  while (i < s.length && chars.includes(s[i]!)) i++;
  return s.slice(i);
}

/** misc.c argv_split() with comments: words split on blanks, '…' and "…" quotes, \\ escapes. */
function argvSplit(s: string): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let arg = '';
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      const n = s[i + 1];
      if (c === '\\' && n !== undefined && (n === "'" || n === '"' || n === '\\' || (quote === '' && n === ' '))) arg += s[++i];
      else if (quote === '' && (c === ' ' || c === '\t')) break;
      else if (quote === '' && (c === '"' || c === "'")) quote = c;
      else if (quote !== '' && c === quote) quote = '';
      else arg += c;
    }
    if (quote !== '') return undefined;
    args.push(arg);
  }
  return args;
}

function parseMatch(text: string): MatchCriterion[] | string {
  const cursor: { s: string | undefined } = { s: text };
  const criteria: MatchCriterion[] = [];
  let attributes = 0;
  for (let word = strdelim(cursor); word !== undefined && word !== ''; word = strdelim(cursor)) {
    if (word.startsWith('#')) break;
    const negate = word.startsWith('!');
    const attribute = (negate ? word.slice(1) : word).toLowerCase();
    if (attribute === 'all') {
      const next = strdelim(cursor);
      if (attributes > 1 || (next !== undefined && next !== '' && !next.startsWith('#'))) {
        return `'${word}' cannot be combined with other Match attributes.`;
      }
      criteria.push({ attribute, negate });
      return criteria;
    }
    attributes++;
    if (attribute === 'canonical' || attribute === 'final') {
      criteria.push({ attribute, negate });
      continue;
    }
    const argument = strdelim(cursor);
    if (argument === undefined || argument === '' || argument.startsWith('#')) return `missing Match criteria for ${attribute}.`;
    if (!['host', 'originalhost', 'user', 'localuser', 'exec'].includes(attribute)) return `unsupported Match attribute ${attribute}.`;
    criteria.push({ attribute, negate, argument });
  }
  if (attributes === 0) return 'one or more attributes required for Match.';
  return criteria;
}

/** glob(3) for Include: `*`, `?` and `[…]` in any part of the path, sorted, dot files only by a dot. */
function expandGlob(spec: string): string[] {
  const parts = spec.split('/');
  let found = [parts[0] === '' ? '/' : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    if (!/[*?[]/.test(part)) {
      found = found.map((dir) => path.join(dir, part));
      continue;
    }
    const re = globRegExp(part);
    found = found.flatMap((dir) => {
      try {
        return readdirSync(dir)
          .filter((name) => re.test(name) && (!name.startsWith('.') || part.startsWith('.')))
          .sort()
          .map((name) => path.join(dir, name));
      } catch {
        return [];
      }
    });
  }
  return found;
}

function globRegExp(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    const close = c === '[' ? part.indexOf(']', i + 2) : -1;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (close > 0) {
      re += `[${part
        .slice(i + 1, close)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
