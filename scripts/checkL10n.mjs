// Unlocalised text in the extension's UI code (src/vscode/** and src/extension.ts): one line per string
// literal or template literal that a user would read but that is not the message of a `vscode.l10n.t`
// call, exit 1 if any. Read with TypeScript's own parser, like scripts/checkImports.mjs.
//
// A literal is user-facing text when its own text (a template's parts, `${…}` read as a value, codicons
// `$(name)` left out) has a letter and
//   (a) has two or more words of letters separated by a space, or ends with "…"; or
//   (b) is, whatever its length, the value of a property named label, description, detail, tooltip,
//       placeHolder, placeholder, prompt, title, message or text (in an object literal or assigned), or
//       an argument of window.show{Information,Warning,Error}Message, withProgress, or the prompt
//       helpers of src/vscode/platform/ui.ts that show their text (confirm, nothingToDo).
//   A value picked by `?:`, `??`, `||`, `+`, `as` or parentheses counts as in the place it goes to.
// Not text:
//   - module specifiers (import, export, require, import());
//   - the first argument of l10n.t (`vscode.l10n.t(…)` or `l10n.t(…)`): the message to translate;
//   - ids: a literal without a space that has a "." or a ":" (command ids, setting and context keys,
//     URIs, file names);
//   - lines for the log: the arguments of `log.trace/debug/info/warn/error(…)` and of the same methods
//     of anything named `….log` (the LogOutputChannel, ctx.log, this.log, deps.log);
//   - object keys and literal types;
//   - markup: a literal starting with "<" (the page of a webview; its words are put in as values);
//   - a literal on a line marked `l10n-exempt: <why>` or just below such a line (e.g. a program's own
//     output or the core's English shown as is).
//
//   node scripts/checkL10n.mjs [root]            lists what is not localised
//   node scripts/checkL10n.mjs --bundle [root]   writes l10n/bundle.l10n.json from the l10n.t messages
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const TEXT_PROPERTIES = new Set([
  'label',
  'description',
  'detail',
  'tooltip',
  'placeHolder',
  'placeholder',
  'prompt',
  'title',
  'message',
  'text',
]);
const TEXT_CALLS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage', 'withProgress', 'confirm', 'nothingToDo']);
const LOG_METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error']);
export const BUNDLE = 'l10n/bundle.l10n.json';

/** The UI files under `root`, relative, with forward slashes, sorted. */
export function uiFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
    }
  };
  if (existsSync(path.join(root, 'src', 'vscode'))) walk(path.join(root, 'src', 'vscode'));
  const extension = path.join(root, 'src', 'extension.ts');
  if (existsSync(extension) && statSync(extension).isFile()) out.push(extension);
  return out.map((f) => path.relative(root, f).split(path.sep).join('/')).sort();
}

/** `l10n.t` or `vscode.l10n.t` (any name for the vscode namespace). */
function isL10nCall(node) {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  if (!ts.isPropertyAccessExpression(callee) || callee.name.text !== 't') return false;
  const target = callee.expression;
  return (ts.isIdentifier(target) && target.text === 'l10n') || (ts.isPropertyAccessExpression(target) && target.name.text === 'l10n');
}

function isLogCall(node) {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  if (!ts.isPropertyAccessExpression(callee) || !LOG_METHODS.has(callee.name.text)) return false;
  const target = callee.expression;
  return (ts.isIdentifier(target) && target.text === 'log') || (ts.isPropertyAccessExpression(target) && target.name.text === 'log');
}

function calleeName(call) {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

/** The literal's own text, each `${…}` read as `{}`. */
function ownText(node) {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return node.head.text + node.templateSpans.map((s) => `{}${s.literal.text}`).join('');
}

/** Through `?:`, `??`, `||`, `+`, `as` and parentheses: the node whose place the value goes to. */
function placeOf(node) {
  let cur = node;
  for (;;) {
    const p = cur.parent;
    if (
      ts.isParenthesizedExpression(p) ||
      ts.isAsExpression(p) ||
      ts.isSatisfiesExpression(p) ||
      (ts.isConditionalExpression(p) && p.condition !== cur) ||
      (ts.isBinaryExpression(p) &&
        [ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.PlusToken].includes(p.operatorToken.kind))
    ) {
      cur = p;
      continue;
    }
    return cur;
  }
}

/** Rule (b): in a place whose every value is shown to the user. */
function inTextPlace(node) {
  const cur = placeOf(node);
  const p = cur.parent;
  if (ts.isPropertyAssignment(p) && p.initializer === cur) {
    const name = p.name;
    return (ts.isIdentifier(name) || ts.isStringLiteral(name)) && TEXT_PROPERTIES.has(name.text);
  }
  if (ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken && p.right === cur) {
    return ts.isPropertyAccessExpression(p.left) && TEXT_PROPERTIES.has(p.left.name.text);
  }
  if (ts.isCallExpression(p) && p.arguments.includes(cur)) return TEXT_CALLS.has(calleeName(p) ?? '');
  return false;
}

function isModuleSpecifier(node) {
  const p = node.parent;
  if ((ts.isImportDeclaration(p) || ts.isExportDeclaration(p)) && p.moduleSpecifier === node) return true;
  if (ts.isExternalModuleReference(p) || ts.isLiteralTypeNode(p)) return true;
  if (ts.isCallExpression(p) && p.arguments[0] === node) {
    return p.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(p.expression) && p.expression.text === 'require');
  }
  return false;
}

function isKey(node) {
  const p = node.parent;
  return (
    ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p)) &&
      p.name === node) ||
    (ts.isElementAccessExpression(p) && p.argumentExpression === node) ||
    ts.isComputedPropertyName(p)
  );
}

/** Inside the arguments of a log call (up to the nearest function). */
function inLogCall(node) {
  for (let cur = node; cur.parent && !ts.isFunctionLike(cur.parent); cur = cur.parent) {
    if (isLogCall(cur.parent) && cur.parent.arguments.includes(cur)) return true;
  }
  return false;
}

function exemptLines(text) {
  const lines = new Set();
  text.split('\n').forEach((line, i) => {
    if (/l10n-exempt:\s*\S/.test(line)) lines.add(i).add(i + 1);
  });
  return lines;
}

/**
 * The unlocalised literals of the UI files under `root` ({ file, line, text }), the l10n.t messages
 * (each with where it is used), and l10n.t calls whose message is not a literal (they cannot be
 * translated: reported with the findings).
 */
export function checkL10n(root) {
  const files = uiFiles(root);
  const findings = [];
  const messages = new Map();
  for (const file of files) {
    const source = readFileSync(path.join(root, file), 'utf8');
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const exempt = exemptLines(source);
    const lineOf = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
    const report = (node, text) => findings.push({ file, line: lineOf(node) + 1, text });
    const visit = (node) => {
      if (isL10nCall(node)) {
        const [message] = node.arguments;
        if (message && (ts.isStringLiteral(message) || ts.isNoSubstitutionTemplateLiteral(message))) {
          const uses = messages.get(message.text) ?? [];
          uses.push(`${file}:${lineOf(message) + 1}`);
          messages.set(message.text, uses);
        } else {
          report(node, 'l10n.t with a message that is not a literal (it cannot be translated)');
        }
      }
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
        if (isUserText(node, exempt.has(lineOf(node)))) report(node, node.getText(sf));
        // A template's values are visited on their own (a literal inside `${…}`).
        if (!ts.isTemplateExpression(node)) return;
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { files: files.length, findings, messages };
}

function isUserText(node, exemptLine) {
  if (exemptLine || isModuleSpecifier(node) || isKey(node) || inLogCall(node)) return false;
  const p = node.parent;
  if (isL10nCall(p) && p.arguments[0] === node) return false;
  const text = ownText(node).replace(/\$\([\w~-]+\)/g, '');
  if (!/\p{L}/u.test(text)) return false;
  if (!/\s/.test(text.trim()) && /[.:]/.test(text)) return false;
  if (text.trimStart().startsWith('<')) return false;
  return /\p{L}+ +\p{L}+/u.test(text) || text.trimEnd().endsWith('…') || inTextPlace(node);
}

/** The English bundle: every l10n.t message, as @vscode/l10n-dev writes it (message → message), sorted. */
export function bundleOf(messages) {
  const sorted = [...messages.keys()].sort();
  return `${JSON.stringify(Object.fromEntries(sorted.map((m) => [m, m])), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const writeBundle = args[0] === '--bundle';
  const root = args[writeBundle ? 1 : 0] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { files, findings, messages } = checkL10n(root);
  if (writeBundle) {
    writeFileSync(path.join(root, BUNDLE), bundleOf(messages));
    console.log(`checkL10n: wrote ${BUNDLE} with ${messages.size} messages`);
  }
  for (const f of findings) console.error(`${f.file}:${f.line}: ${f.text}`);
  if (findings.length > 0) {
    console.error(`checkL10n: ${findings.length} unlocalised string(s) in ${files} files: wrap each in vscode.l10n.t`);
    process.exitCode = 1;
  } else {
    console.log(`checkL10n: ${files} files, ${messages.size} l10n.t messages, nothing unlocalised`);
  }
}
