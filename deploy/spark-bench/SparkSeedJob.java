import static org.apache.spark.sql.functions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The seed job on Apache Spark Structured Streaming, as the user's reference writes it: Kafka →
 * from_json → 10-minute watermark → 5-minute windows per customer_id → count(*), sum(amount) →
 * Delta, append mode, trigger availableNow.
 *
 *   java ... SparkSeedJob <bootstrap> <topic> <table> <checkpoint> <master> <maxOffsetsPerTrigger>
 *        <shufflePartitions> <trigger> <window> <delay>
 *
 * trigger is "availableNow" or a processing-time interval ("100 milliseconds"); maxOffsetsPerTrigger
 * 0 leaves it unset; window and delay default to the reference's "5 minutes" and "10 minutes".
 * Prints "STARTED <query id>" once running, one line "PROGRESS <json>" per batch
 * (StreamingQueryProgress.json()) and "DONE" at the end. A processing-time query runs until a line
 * "stop" or the end of standard input.
 */
public class SparkSeedJob {
  public static void main(String[] args) throws Exception {
    String bootstrap = args[0], topic = args[1], table = args[2], checkpoint = args[3], master = args[4];
    long maxOffsets = Long.parseLong(args[5]);
    int shufflePartitions = Integer.parseInt(args[6]);
    String trigger = args.length > 7 ? args[7] : "availableNow";
    String windowLength = args.length > 8 ? args[8] : "5 minutes";
    String delay = args.length > 9 ? args[9] : "10 minutes";
    SparkSession spark = SparkSession.builder()
        .appName("tributary bench: the seed job on Spark")
        .master(master)
        .config("spark.sql.shuffle.partitions", shufflePartitions)
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    spark.streams().addListener(new StreamingQueryListener() {
      @Override public void onQueryStarted(QueryStartedEvent event) {}
      @Override public void onQueryProgress(QueryProgressEvent event) {
        System.out.println("PROGRESS " + event.progress().json().replace('\n', ' '));
        System.out.flush();
      }
      @Override public void onQueryTerminated(QueryTerminatedEvent event) {}
    });

    StructType schema = new StructType()
        .add("customer_id", DataTypes.IntegerType)
        .add("event_type", DataTypes.StringType)
        .add("amount", DataTypes.createDecimalType(10, 2))
        .add("timestamp", DataTypes.TimestampType);
    DataStreamReader reader = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest");
    if (maxOffsets > 0) reader = reader.option("maxOffsetsPerTrigger", maxOffsets);
    Dataset<Row> kafka = reader.load();
    Dataset<Row> parsed = kafka.select(from_json(col("value").cast("string"), schema).alias("data")).select("data.*");
    Dataset<Row> aggregated = parsed.withWatermark("timestamp", delay)
        .groupBy(window(col("timestamp"), windowLength), col("customer_id"))
        .agg(count("*").alias("event_count"), sum("amount").alias("total_amount"));
    StreamingQuery query = aggregated.writeStream().format("delta").outputMode("append")
        .option("checkpointLocation", checkpoint)
        .trigger(trigger.equals("availableNow") ? Trigger.AvailableNow() : Trigger.ProcessingTime(trigger))
        .start(table);
    System.out.println("STARTED " + query.id());
    System.out.flush();
    if (!trigger.equals("availableNow")) {
      BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in));
      for (String line = stdin.readLine(); line != null && !line.equals("stop"); line = stdin.readLine()) {}
      query.stop();
    }
    query.awaitTermination();
    System.out.println("DONE");
    spark.stop();
  }
}
