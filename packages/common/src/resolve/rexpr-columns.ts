/** Column references inside resolved expressions and steps: which columns they read, and renumbering them. */
import type { RExpr, Step } from '../plan/resolved-query';

export function columnsRead(e: RExpr, into: Set<number>): Set<number> {
  switch (e.kind) {
    case 'column': into.add(e.index); break;
    case 'field': columnsRead(e.of, into); break;
    case 'literal': break;
    case 'cast': columnsRead(e.arg, into); break;
    case 'call': for (const a of e.args) columnsRead(a, into); break;
    case 'case':
      for (const b of e.branches) { columnsRead(b.when, into); columnsRead(b.then, into); }
      if (e.otherwise !== null) columnsRead(e.otherwise, into);
      break;
  }
  return into;
}

/** `e` with each column index i replaced by `map(i)`. */
export function renumber(e: RExpr, map: (i: number) => number): RExpr {
  switch (e.kind) {
    case 'column': return { ...e, index: map(e.index) };
    case 'field': return { ...e, of: renumber(e.of, map) };
    case 'literal': return e;
    case 'cast': return { ...e, arg: renumber(e.arg, map) };
    case 'call': return { ...e, args: e.args.map((a) => renumber(a, map)) };
    case 'case':
      return {
        ...e,
        branches: e.branches.map((b) => ({ when: renumber(b.when, map), then: renumber(b.then, map) })),
        otherwise: e.otherwise === null ? null : renumber(e.otherwise, map),
      };
  }
}

export function renumberStep(s: Step, map: (i: number) => number): Step {
  return s.kind === 'filter' ? { kind: 'filter', condition: renumber(s.condition, map) } : { ...s, exprs: s.exprs.map((e) => renumber(e, map)) };
}
