/**
 * get_json_object paths (Spark's JsonPathParser in expressions/jsonExpressions.scala), parsed once
 * per expression: `$` then any of `.name`, `['name']`, `[n]`. Wildcards (`*`) are not supported by
 * Tributary. An invalid path gives null, as in Spark (parseJsonPath returns null).
 */
export type JsonPathStep = { readonly kind: 'key'; readonly name: string } | { readonly kind: 'index'; readonly index: number };

export function parseJsonPath(path: string): JsonPathStep[] | null {
  if (!path.startsWith('$')) return null;
  const steps: JsonPathStep[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      let j = i + 1;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      const name = path.slice(i + 1, j);
      if (name === '' || name === '*') return null;
      steps.push({ kind: 'key', name });
      i = j;
    } else if (path.startsWith("['", i)) {
      const end = path.indexOf("']", i + 2);
      if (end < 0) return null;
      const name = path.slice(i + 2, end);
      if (name === '*') return null;
      steps.push({ kind: 'key', name });
      i = end + 2;
    } else if (path[i] === '[') {
      const end = path.indexOf(']', i);
      const digits = end < 0 ? '' : path.slice(i + 1, end);
      if (!/^\d+$/.test(digits)) return null;
      steps.push({ kind: 'index', index: Number(digits) });
      i = end + 1;
    } else {
      return null;
    }
  }
  return steps;
}
