/**
 * A small, strict XML scanner for machine-written reports (JUnit, Cobertura).
 * It calls back for elements and text instead of building a tree, so a
 * 10,000-case report is read in one pass, and it rejects what is not
 * well-formed, so a report cut off mid-write is an error, not a silent
 * undercount. Not supported, because test reports do not use them: DTD
 * internal subsets and entities beyond the five predefined and numeric ones.
 */

export class XmlSyntaxError extends Error {
  override readonly name = 'XmlSyntaxError';
}

/**
 * Elements nest deeper than the scanner accepts. Test and coverage reports nest a handful of
 * levels (suites in suites, packages > classes > lines); thousands of levels are a corrupt or
 * hostile file, and every consumer keeps state per level, so the depth is capped.
 */
export class XmlDepthError extends XmlSyntaxError {
  // Plain fields, not parameter properties: the bench imports this file with type stripping only.
  readonly maxDepth: number;
  readonly line: number;
  constructor(maxDepth: number, line: number) {
    super(`elements nest more than ${maxDepth} levels deep (line ${line})`);
    this.maxDepth = maxDepth;
    this.line = line;
  }
}

/** Deep enough for any report a tool writes, shallow enough that per-level state stays small. */
export const MAX_XML_DEPTH = 256;

export interface ScanOptions {
  /** Deepest element nesting accepted. Default MAX_XML_DEPTH. */
  maxDepth?: number;
}

export interface XmlHandler {
  /** `attributes` is the raw attribute text; read it with parseAttributes() only when needed. */
  open(name: string, attributes: string): void;
  close(name: string): void;
  /**
   * Character data at xml[start, end): raw between tags (entities not yet decoded), or a CDATA
   * section's content. Given as a range so text nobody keeps (the whitespace between 10,000
   * test cases) is never copied.
   */
  text?(xml: string, start: number, end: number, cdata: boolean): void;
}

const NAME = /[A-Za-z_:][-\w.:]*/y;
// Attributes up to the end of the start tag; values may hold '>' and '/'.
const START_TAG_REST = /((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
const END_TAG_REST = /\s*>/y;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export function scanXml(xml: string, handler: XmlHandler, options: ScanOptions = {}): void {
  const maxDepth = options.maxDepth ?? MAX_XML_DEPTH;
  const open: string[] = [];
  let rootSeen = false;
  let at = 0;
  while (at < xml.length) {
    const lt = xml.indexOf('<', at);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > at) {
      if (open.length > 0) handler.text?.(xml, at, textEnd, false);
      else if (xml.slice(at, textEnd).trim() !== '') fail('text outside the root element', at, xml);
    }
    if (lt < 0) break;
    const next = xml[lt + 1];
    if (next === '/') {
      NAME.lastIndex = lt + 2;
      const name = NAME.exec(xml)?.[0];
      END_TAG_REST.lastIndex = lt + 2 + (name?.length ?? 0);
      if (!name || !END_TAG_REST.exec(xml)) fail('malformed end tag', lt, xml);
      const expected = open.pop();
      if (expected !== name) fail(expected ? `</${name}> closes <${expected}>` : `</${name}> closes nothing`, lt, xml);
      handler.close(name!);
      at = END_TAG_REST.lastIndex;
    } else if (next === '?') {
      at = skipPast(xml, '?>', lt, 'processing instruction');
    } else if (next === '!') {
      if (xml.startsWith('<!--', lt)) {
        at = skipPast(xml, '-->', lt, 'comment');
      } else if (xml.startsWith('<![CDATA[', lt)) {
        const end = xml.indexOf(']]>', lt + 9);
        if (end < 0) fail('unterminated CDATA section', lt, xml);
        if (open.length === 0) fail('CDATA outside the root element', lt, xml);
        handler.text?.(xml, lt + 9, end, true);
        at = end + 3;
      } else if (xml.startsWith('<!DOCTYPE', lt)) {
        const end = xml.indexOf('>', lt);
        if (end < 0 || xml.slice(lt, end).includes('[')) fail('DOCTYPE with an internal subset is not supported', lt, xml);
        at = end + 1;
      } else {
        fail('unknown markup', lt, xml);
      }
    } else {
      NAME.lastIndex = lt + 1;
      const name = NAME.exec(xml)?.[0];
      if (!name) fail('malformed tag', lt, xml);
      START_TAG_REST.lastIndex = lt + 1 + name!.length;
      const rest = START_TAG_REST.exec(xml);
      if (!rest) fail(`malformed or unterminated <${name}> tag`, lt, xml);
      if (open.length === 0 && rootSeen) fail('a second root element', lt, xml);
      if (open.length >= maxDepth) throw new XmlDepthError(maxDepth, lineAt(xml, lt));
      rootSeen = true;
      handler.open(name!, rest![1]!);
      if (rest![2] === '/') handler.close(name!);
      else open.push(name!);
      at = START_TAG_REST.lastIndex;
    }
  }
  if (open.length > 0) throw new XmlSyntaxError(`the document ends inside <${open.at(-1)}>: it was cut off`);
  if (!rootSeen) throw new XmlSyntaxError('no root element');
}

export function parseAttributes(raw: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (raw === '') return attributes;
  ATTRIBUTE.lastIndex = 0;
  for (let match = ATTRIBUTE.exec(raw); match; match = ATTRIBUTE.exec(raw))
    attributes[match[1]!] = decodeEntities(match[2] ?? match[3] ?? '');
  return attributes;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9A-Fa-f]+|#\d+|\w+);/g, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    const named = NAMED[body];
    if (named === undefined) throw new XmlSyntaxError(`unknown entity &${body};`);
    return named;
  });
}

function skipPast(xml: string, terminator: string, from: number, what: string): number {
  const end = xml.indexOf(terminator, from + 2);
  if (end < 0) fail(`unterminated ${what}`, from, xml);
  return end + terminator.length;
}

function lineAt(xml: string, at: number): number {
  let line = 1;
  for (let next = xml.indexOf('\n'); next >= 0 && next < at; next = xml.indexOf('\n', next + 1)) line++;
  return line;
}

function fail(problem: string, at: number, xml: string): never {
  throw new XmlSyntaxError(`${problem} (line ${lineAt(xml, at)})`);
}
