// Text from Docker or SSH (names, labels, errors) inside a Markdown tooltip: shown as written, never
// read as Markdown (a label value like `[x](command:…)` stays text) and on one line.

export function escapeMarkdown(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- control characters are what is removed
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .replace(/[\\`*_{}[\]()#+\-.!|<>$~&]/g, '\\$&')
  );
}
