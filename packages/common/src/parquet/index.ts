export { writeParquet, readParquet } from './parquet-io';
export type { ParquetCompression, ParquetWriteOptions } from './parquet-io';
export { readParquetRowCount, footerRowCount, ParquetFooterError } from './footer-rows';
