/**
 * JSON parsing that says where a syntax error is (line and column), and JSONPath spelling of
 * JSON Pointers. V8 reports only a character offset ("... in JSON at position 42"), and none at
 * all for a truncated file.
 */

export class JsonSyntaxProblem {
  constructor(
    readonly message: string,
    readonly line: number,
    readonly column: number,
  ) {}
}

/** 1-based line and column of a character offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** JSON.parse, or a JsonSyntaxProblem locating the error. */
export function parseJsonText(text: string): { value: unknown } | { syntax: JsonSyntaxProblem } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message);
    // No position means the text ended early: point at its end.
    const offset = position ? Number(position[1]) : text.length;
    const { line, column } = lineAndColumn(text, offset);
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected end of JSON input$/, 'unexpected end of file');
    return { syntax: new JsonSyntaxProblem(reason, line, column) };
  }
}

/** `/boards/1/qspi/base` -> `$.boards[1].qspi.base`. */
export function pointerToJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return (
    '$' +
    pointer
      .split('/')
      .slice(1)
      .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : /^[A-Za-z_$][\w$]*$/.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`))
      .join('')
  );
}
