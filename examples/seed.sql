-- The seed's Spark SQL, as in the user's reference (Kafka address and topic are the reference's;
-- `tributary sql` and examples/seed-sql-job.js run it, with the address and topic of your cluster).

-- 1. Read the stream from Kafka
CREATE OR REPLACE TEMP VIEW kafka_stream AS
SELECT
    CAST(key AS STRING) as key,
    CAST(value AS STRING) as value,
    topic,
    partition,
    offset,
    timestamp
FROM kafka.`kafka-server:9092`.`customer_events`;

-- 2. Parse JSON
CREATE OR REPLACE TEMP VIEW parsed_stream AS
SELECT
    get_json_object(value, '$.customer_id') as customer_id,
    get_json_object(value, '$.event_type') as event_type,
    get_json_object(value, '$.amount') as amount,
    timestamp
FROM kafka_stream;

-- 3. Aggregations over time windows
CREATE OR REPLACE TEMP VIEW windowed_aggregates AS
SELECT
    window(timestamp, '5 minutes') as time_window,
    customer_id,
    COUNT(*) as event_count,
    SUM(CAST(amount AS DECIMAL)) as total_amount
FROM parsed_stream
GROUP BY window(timestamp, '5 minutes'), customer_id;

-- 4. Write to Delta (streaming): with the DataFrame API (spark.table('windowed_aggregates').writeStream)
