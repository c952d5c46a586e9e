// Import cycles and layer violations in src/ and webview-ui/: one line per problem, exit 1 if any.
// Imports are read with TypeScript's own parser (already a dev dependency), so comments, strings and
// template literals never fool it; type-only imports count too: a type cycle is still a design cycle.
//   node scripts/checkImports.mjs [root]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const SOURCE = /\.(ts|tsx|mts|cts)$/;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.d.ts'];

/** Layer of a file (path relative to the root, with forward slashes), or undefined for the rest. */
export function layerOf(file) {
  if (file.startsWith('src/core/')) return 'src/core';
  if (file.startsWith('src/shared/')) return 'src/shared';
  if (file.startsWith('src/cli/') || file === 'src/cli.ts') return 'src/cli';
  if (file.startsWith('src/vscode/') || file === 'src/extension.ts') return 'src/vscode';
  if (file.startsWith('webview-ui/')) return 'webview-ui';
  return undefined;
}

// What each layer must not import; 'vscode' is the module itself.
const FORBIDDEN = {
  'src/shared': ['src/core', 'src/vscode', 'src/cli', 'vscode'],
  'webview-ui': ['src/core', 'src/vscode', 'src/cli', 'vscode'],
  'src/core': ['src/vscode', 'src/cli', 'vscode'],
  'src/cli': ['src/vscode', 'vscode'],
};

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile() && SOURCE.test(entry.name)) out.push(full);
  }
  return out;
}

/** Every module specifier of a file, with whether it is only a type import. */
export function importsOf(fileName, text) {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const add = (node, typeOnly) => {
    if (node && ts.isStringLiteralLike(node)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push({ specifier: node.text, typeOnly, line: line + 1 });
    }
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause;
      const allTypes =
        node.isTypeOnly ||
        (named !== undefined && ts.isNamedExports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      // typeof import('./x')
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(arg.literal, true);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require'))
        add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The .ts file a relative specifier names, or undefined (not relative, or not a TypeScript file). */
function resolve(fromFile, specifier) {
  if (!specifier.startsWith('./') && !specifier.startsWith('../') && specifier !== '.' && specifier !== '..') return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const isFile = (p) => existsSync(p) && statSync(p).isFile();
  if (SOURCE.test(base) && isFile(base)) return base;
  // './x.js' written for ESM output names './x.ts'.
  const swapped = base.replace(/\.(m|c)?js$/, (_, k) => `.${k ?? ''}ts`);
  if (swapped !== base && isFile(swapped)) return swapped;
  for (const ext of EXTENSIONS) if (isFile(base + ext)) return base + ext;
  for (const ext of EXTENSIONS) if (isFile(path.join(base, `index${ext}`))) return path.join(base, `index${ext}`);
  return undefined;
}

/**
 * Checks the TypeScript files under `dirs` (relative to `root`).
 * Returns the number of files read and the problems, each with its kind, the files it names and one line of text.
 */
export function checkImports(root, dirs = ['src', 'webview-ui']) {
  const absRoot = path.resolve(root);
  const rel = (p) => path.relative(absRoot, p).split(path.sep).join('/');
  const files = dirs
    .map((d) => path.join(absRoot, d))
    .filter((d) => existsSync(d))
    .flatMap((d) => walk(d, []))
    .sort();
  const problems = [];
  // file -> (target -> typeOnly): an edge is type-only when every import along it is.
  const graph = new Map(files.map((f) => [rel(f), new Map()]));

  for (const file of files) {
    const from = rel(file);
    const layer = layerOf(from);
    for (const { specifier, typeOnly, line } of importsOf(file, readFileSync(file, 'utf8'))) {
      const resolved = resolve(file, specifier);
      const to = resolved === undefined ? undefined : rel(resolved);
      if (to !== undefined && graph.has(to)) {
        const edges = graph.get(from);
        edges.set(to, (edges.get(to) ?? true) && typeOnly);
      }
      const target = specifier === 'vscode' ? 'vscode' : to === undefined ? undefined : layerOf(to);
      if (layer !== undefined && target !== undefined && FORBIDDEN[layer]?.includes(target)) {
        const what = target === 'vscode' ? "'vscode'" : to;
        problems.push({
          kind: 'layer',
          files: to === undefined ? [from] : [from, to],
          text: `layer: ${from}:${line} imports ${what}${typeOnly ? ' (type only)' : ''}: ${layer} must not import ${target === 'vscode' ? "'vscode'" : target}`,
        });
      }
    }
  }

  for (const cycle of findCycles(graph)) {
    const steps = cycle.slice(1).map((to, i) => `${graph.get(cycle[i]).get(to) ? ' -(type)-> ' : ' -> '}${to}`);
    problems.push({ kind: 'cycle', files: cycle.slice(0, -1), text: `cycle: ${cycle[0]}${steps.join('')}` });
  }
  return { files: files.length, problems };
}

/**
 * One cycle for each back edge of a depth-first walk (in sorted order, so the output is stable): breaking
 * every cycle listed breaks them all. Each cycle is a path whose last file is its first.
 */
function findCycles(graph) {
  const state = new Map(); // absent: not seen, 1: on the stack, 2: done
  const stack = [];
  const cycles = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const next of [...graph.get(node).keys()].sort()) {
      if (state.get(next) === 1) cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { files, problems } = checkImports(root);
  for (const p of problems) console.error(p.text);
  if (problems.length > 0) {
    const cycles = problems.filter((p) => p.kind === 'cycle').length;
    console.error(`checkImports: ${cycles} cycle(s), ${problems.length - cycles} layer violation(s) in ${files} files`);
    process.exitCode = 1;
  } else {
    console.log(`checkImports: ${files} files, no cycle, no layer violation`);
  }
}
