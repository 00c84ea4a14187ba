import { describe, expect, it } from 'vitest';
import { decodeEntities, parseAttributes, scanXml, XmlDepthError, XmlSyntaxError } from './xml';

function events(xml: string): string[] {
  const seen: string[] = [];
  scanXml(xml, {
    open: (name, attributes) => seen.push(`<${name}${attributes}>`),
    close: (name) => seen.push(`</${name}>`),
    text: (source, start, end, cdata) => seen.push(`${cdata ? 'cdata' : 'text'}:${source.slice(start, end)}`),
  });
  return seen;
}

describe('scanXml', () => {
  it('reports elements, text and CDATA in document order', () => {
    expect(events('<a x="1"><b/>t&amp;<![CDATA[<raw>]]></a>')).toEqual(['<a x="1">', '<b>', '</b>', 'text:t&amp;', 'cdata:<raw>', '</a>']);
  });

  it("accepts '>' and '/' inside attribute values", () => {
    expect(events('<a m="x > y / z"/>')).toEqual(['<a m="x > y / z">', '</a>']);
  });

  it('rejects mismatched, unterminated and second roots', () => {
    expect(() => events('<a><b></a>')).toThrow(XmlSyntaxError);
    expect(() => events('<a><!-- x')).toThrow('unterminated comment');
    expect(() => events('<a/><b/>')).toThrow('a second root element');
    expect(() => events('<a b="1>')).toThrow('malformed or unterminated <a> tag');
    expect(() => events('junk<a/>')).toThrow('text outside the root element');
  });
});

describe('scanXml depth', () => {
  it('refuses elements nested deeper than the cap, naming the line', () => {
    const handler = { open: () => undefined, close: () => undefined };
    expect(() => scanXml('<a>\n<a>\n<a/></a></a>', handler, { maxDepth: 2 })).toThrow(new XmlDepthError(2, 3));
    expect(() => scanXml('<a><a/></a>', handler, { maxDepth: 2 })).not.toThrow();
    expect(() => scanXml(`${'<a>'.repeat(257)}${'</a>'.repeat(257)}`, handler)).toThrow('elements nest more than 256 levels deep (line 1)');
  });
});

describe('parseAttributes and decodeEntities', () => {
  it('reads both quote styles and decodes entities', () => {
    expect(parseAttributes(` a="1 &lt; 2" b='it&apos;s' c = "&#10;&#x41;"`)).toEqual({ a: '1 < 2', b: "it's", c: '\nA' });
    expect(decodeEntities('&amp;lt; &#233;')).toBe('&lt; é');
  });
});
