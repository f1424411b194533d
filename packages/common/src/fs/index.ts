export { putIfAbsent, replaceFile, fsyncDirectory, readIfExists, removeStaleTempFiles, isTempName, errnoCode } from './durable-file';
