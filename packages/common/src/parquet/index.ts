export { writeParquet, readParquet, DEFAULT_PARQUET_COMPRESSION } from './parquet-io';
export type { ParquetCompression, ParquetWriteOptions } from './parquet-io';
export { readParquetRowCount, footerRowCount, ParquetFooterError } from './footer-rows';
