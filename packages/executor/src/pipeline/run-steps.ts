/**
 * Runs a resolved query's filter/project steps over a batch, column at a time: a filter selects
 * the rows whose condition is true (null is false) and takes them from every column; a project
 * evaluates each expression into a column of the step's schema. `recordIndex` follows the rows, so
 * what happens later can still name each row's Kafka record.
 */
import { takeRows, type ColumnBatch, type Step } from '@tributary/common';
import { evaluate, selectRows, type EvalContext } from '../expr';

export function runSteps(steps: readonly Step[], batch: ColumnBatch, ctx: EvalContext): ColumnBatch {
  let b = batch;
  for (const step of steps) {
    if (b.count === 0 && step.kind === 'filter') continue;
    if (step.kind === 'filter') {
      const rows = selectRows(step.condition, b, ctx);
      if (rows.length !== b.count) b = takeRows(b, rows);
    } else {
      const input = b;
      b = { count: input.count, schema: step.schema, columns: step.exprs.map((e) => evaluate(e, input, ctx)), recordIndex: input.recordIndex };
    }
  }
  return b;
}
