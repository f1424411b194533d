/**
 * Names as Spark SQL writes them: identifiers (`back quoted` with `` for a back quote inside),
 * multi-part names (kafka.`host:9092`.`topic`), and string literals with Spark's escapes
 * (spark.sql.parser.escapedStringLiterals=false: \n \t \r \b \0 \Z \\ \' \" \uXXXX; \% and \_
 * keep their backslash for LIKE).
 */

/** An identifier's name: back quotes removed, `` read as `. */
export function identifierName(text: string): string {
  if (text.length >= 2 && text.startsWith('`') && text.endsWith('`')) return text.slice(1, -1).replace(/``/g, '`');
  return text;
}

/** The parts of a multi-part name as written: a.`b.c`.d → ['a', 'b.c', 'd']. */
export function nameParts(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '`') {
      let j = i + 1;
      let part = '';
      for (;;) {
        if (j >= text.length) throw new Error(`unclosed back quote in ${text}`);
        if (text[j] === '`' && text[j + 1] === '`') { part += '`'; j += 2; continue; }
        if (text[j] === '`') break;
        part += text[j];
        j += 1;
      }
      parts.push(part);
      i = j + 1;
    } else {
      const dot = text.indexOf('.', i);
      const end = dot < 0 ? text.length : dot;
      parts.push(text.slice(i, end).trim());
      i = end;
    }
    while (i < text.length && /\s/.test(text[i])) i += 1;
    if (text[i] === '.') i += 1;
    while (i < text.length && /\s/.test(text[i])) i += 1;
  }
  return parts;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', '0': '\0', Z: '\x1a', '%': '\\%', _: '\\_' };

/** The value of one string literal token ('…' or "…"), unescaped as Spark does. */
export function stringLiteralValue(token: string): string {
  const body = token.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i];
    if (c !== '\\' || i === body.length - 1) { out += c; continue; }
    const n = body[i + 1];
    if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(body.slice(i + 2, i + 6), 16));
      i += 5;
      continue;
    }
    out += ESCAPES[n] ?? n;
    i += 1;
  }
  return out;
}
