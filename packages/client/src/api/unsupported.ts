import { InvalidArgumentError } from '@tributary/common';

/** The error of a call the job API does not support yet: it names the feature and, where one exists, the way that works. */
export function unsupported(feature: string, instead?: string): InvalidArgumentError {
  return new InvalidArgumentError(`${feature} is not supported yet${instead === undefined ? '' : `; ${instead}`}`, { code: 'UNSUPPORTED' });
}

export function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message);
}
