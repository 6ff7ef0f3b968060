/**
 * Escaping of strings that come from the input (span names, attributes, ids): a trace file is
 * untrusted, and a report must not let it drive the terminal or inject HTML.
 */

// ESC sequences (CSI, OSC, and two-character ones), C0 and C1 controls, DEL, and the Unicode
// bidirectional overrides and isolates that can reorder what a reader sees (CVE-2021-42574).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes a string safe for a terminal: every control character (ESC included, so no escape sequence
 * survives), C1 control and bidi override is shown as a visible `\xNN` / `\uNNNN` escape.
 */
export function escapeControl(value: string): string {
  return value.replace(CONTROL, visible);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes a string for HTML text and attribute values (controls made visible first). */
export function escapeHtml(value: string): string {
  return htmlEntities(escapeControl(value));
}

function htmlEntities(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] as string);
}

/**
 * Escapes a string for Markdown (GitHub renders inline HTML): HTML-escaped, Markdown punctuation
 * backslash-escaped, so a span name can neither open a tag, a link, a code span nor a table cell.
 */
export function escapeMarkdown(value: string): string {
  // Backslash-escape first, then entities: escaping after would break `&#39;` at its `#`.
  return htmlEntities(escapeControl(value).replace(/[\\`*_[\]|#~!()]/g, (char) => `\\${char}`));
}
