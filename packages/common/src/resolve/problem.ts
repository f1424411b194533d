import { InvalidArgumentError } from '../errors';

/** One reason an expression or operation cannot be resolved; the resolver collects them. */
export class ResolveProblem extends Error {}

/** A query the resolver refuses, with every problem it found (each a sentence, Spark's words where Spark has them). */
export class QueryResolutionError extends InvalidArgumentError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const noun = problems.length === 1 ? 'problem' : 'problems';
    super(`invalid query (${problems.length} ${noun}):\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}
