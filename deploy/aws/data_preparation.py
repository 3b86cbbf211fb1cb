"""Reusable data-preparation job of the Orchestrator (AWS Glue, PySpark).

One run prepares one entity: it reads the raw catalog table's new files (job bookmarks), converts the columns the
same way as the local engine, and rewrites the affected date partitions of the clean table as Parquet, updating the
clean catalog from the job. No entity-specific code: everything comes from the run's arguments.

Arguments (the orchestrator's pipeline configuration supplies the entity ones, the job's defaults the rest):
  --JOB_NAME                   set by Glue
  --source_entity_name         raw table in --raw_db_name
  --target_entity_name         clean table in --clean_db_name (created on the first run)
  --datetime_partition_column  column whose date is the partition value
  --partition_key              name of the partition column, e.g. created_date
  --raw_db_name, --clean_db_name
  --JOB_RUN_ID                 set by Glue; names the run's partition manifest
  --orchestrator_run_marker    optional; logged so a run can be traced back to its orchestration
  --orchestrator_manifest_bucket  optional; bucket of the partition manifests (default: the clean table's bucket)
  --datetime_formats           optional; extra strftime formats, comma-separated, e.g. %d/%m/%Y %H:%M:%S
  --parquet_compression        optional; snappy (default), gzip, lz4, brotli, lzo or uncompressed

Conversions:
  processing_datetime          unix epoch seconds (number or digits) -> timestamp; other text as *_datetime
  *_datetime (text)            ISO 8601 -> timestamp, offsets normalised to UTC (no offset = UTC); then the extra
                               formats, in order
  *_date (text)                ISO date (or the date part of an ISO timestamp) -> date; then the extra formats
  zip                          text; digits (also a number such as 2134 or 2134.0) left-padded to 5; other
                               values (ZIP+4, foreign postal codes) kept as written
  etl_processing_datetime      added: the job's start, UTC, the same for every row of the run
  <partition_key>              added: yyyy-MM-dd of the partition column, __HIVE_DEFAULT_PARTITION__ when NULL
A value that cannot be converted becomes NULL and is counted per column in the run's result line; blank text is
treated as missing (NULL, not counted). Rows are never dropped for bad values. The raw table's own partition
columns (ingest_date, ingest_hour) are not copied to the clean table.

Schema drift: a new raw column becomes a new clean column (older rows read it as NULL). A column keeps the type
the clean table first gave it: later values of another type are cast to it, and values that do not fit become
NULL and are counted like failed conversions. That keeps every partition's files readable with the table schema.

Late data and reruns (write semantics):
  Every partition that receives rows is rewritten as the union of its current rows and the new ones, with exact
  duplicates removed. A row's identity is all of its columns except etl_processing_datetime and the partition key;
  of identical rows the earliest processed one is kept. So identical raw records count once, and a run that
  repeats work (the bookmark was not committed because the previous run failed after writing) converges to the
  same clean data instead of duplicating it.
  Order of effects: write the new files of every affected partition (catalog updated by the sink), then delete the
  files they supersede, then commit the bookmark. S3 has no atomic multi-object rename, so a run that dies in
  between leaves a partition holding old and new files: readers may see duplicates, never missing rows, until the
  next run reprocesses the same raw files and converges. Partitions the batch does not touch are not read or
  changed. Do not run two jobs for the same target concurrently (the orchestrator runs one per entity).

Partition manifest: once the clean files are final, the run writes what it changed to
  s3://<manifest bucket>/_orchestrator/manifests/<target_entity_name>/<job run id>.json
  (manifest_version 1: every partition rewritten, as key=value, whether it is new to the clean zone, the rows this run
  added to it and the files it wrote there; an empty list when there was nothing new). The orchestrator reads it after
  the run succeeds, for its partition change feed. It is written before the bookmark is committed, so a run that
  dies after writing it is rerun under a new run id and writes its own.

Bookmarks are kept per entity (job.init receives "<job>-<source>-<target>"), so concurrent runs of this one job
for different entities do not overwrite each other's bookmark state.
"""

import json
import logging
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timezone

try:
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window
except ImportError:  # the pure helpers below are unit-tested where Spark is not installed
    F = Window = None

LOG = logging.getLogger("data_preparation")

REQUIRED_ARGUMENTS = (
    "JOB_NAME",
    "JOB_RUN_ID",
    "source_entity_name",
    "target_entity_name",
    "datetime_partition_column",
    "partition_key",
    "raw_db_name",
    "clean_db_name",
)
OPTIONAL_ARGUMENTS = ("orchestrator_run_marker", "orchestrator_manifest_bucket", "datetime_formats",
                      "parquet_compression")
PARQUET_CODECS = ("snappy", "gzip", "lz4", "brotli", "lzo", "uncompressed")

EPOCH_COLUMN = "processing_datetime"
ZIP_COLUMN = "zip"
ETL_TIME_COLUMN = "etl_processing_datetime"
DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
PARTITION_VALUE_PATTERN = "yyyy-MM-dd"
# Microseconds and an explicit offset, so two rows differing only below a millisecond keep distinct identities.
IDENTITY_TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"
# Unix seconds beyond year 9999 are not dates; treating them as failures avoids overflow inside Spark.
MAX_EPOCH_SECONDS = 253402300799

MANIFEST_PREFIX = "_orchestrator/manifests/"
MANIFEST_VERSION = 1

TABLE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
COLUMN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,254}$")


class JobArgumentError(ValueError):
    """A run argument is missing or malformed; the message names the argument and what is allowed."""


class SourceDataError(ValueError):
    """The raw data or the existing clean table cannot be prepared as configured."""


# --- Arguments ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JobArguments:
    job_name: str
    job_run_id: str
    source_entity: str
    target_entity: str
    partition_column: str
    partition_key: str
    raw_db: str
    clean_db: str
    run_marker: str
    manifest_bucket: str
    datetime_patterns: tuple
    parquet_compression: str

    @property
    def bookmark_name(self):
        """The name job.init receives: Glue keeps bookmark state per name, so each entity gets its own."""
        return f"{self.job_name}-{self.source_entity}-{self.target_entity}"

    @classmethod
    def from_resolved(cls, options):
        """Validates what getResolvedOptions returned (names without the leading dashes)."""
        def text(name):
            return (options.get(name) or "").strip()

        def table(name):
            value = text(name)
            if not TABLE_NAME.match(value):
                raise JobArgumentError(
                    f"--{name} '{value}' is not a Glue catalog name: use lowercase letters, digits and '_' "
                    "(a crawler names the folder 'customer-address' as the table 'customer_address').")
            return value

        partition_key = text("partition_key")
        if not COLUMN_NAME.match(partition_key):
            raise JobArgumentError(
                f"--partition_key '{partition_key}' is not a column name: use lowercase letters, digits and '_', "
                "starting with a letter or '_' (it becomes the folder name <key>=YYYY-MM-DD).")
        partition_column = text("datetime_partition_column")
        if not partition_column:
            raise JobArgumentError(
                "--datetime_partition_column is empty: name the *_datetime or *_date column whose date partitions "
                "the clean table.")
        manifest_bucket = text("orchestrator_manifest_bucket")
        if manifest_bucket and not BUCKET_NAME.match(manifest_bucket):
            raise JobArgumentError(
                f"--orchestrator_manifest_bucket '{manifest_bucket}' is not an S3 bucket name (no 's3://', no key).")
        compression = (text("parquet_compression") or "snappy").lower()
        if compression not in PARQUET_CODECS:
            raise JobArgumentError(
                f"--parquet_compression '{compression}' is not supported by the Glue Parquet writer; "
                f"use one of {', '.join(PARQUET_CODECS)}.")
        return cls(
            job_name=text("JOB_NAME"),
            job_run_id=text("JOB_RUN_ID"),
            source_entity=table("source_entity_name"),
            target_entity=table("target_entity_name"),
            partition_column=partition_column,
            partition_key=partition_key,
            raw_db=table("raw_db_name"),
            clean_db=table("clean_db_name"),
            run_marker=text("orchestrator_run_marker"),
            manifest_bucket=manifest_bucket,
            datetime_patterns=parse_datetime_formats(text("datetime_formats")),
            parquet_compression=compression,
        )


def argument_names(argv):
    """Names for getResolvedOptions: the required ones plus the optional ones this run was given."""
    given = {arg.split("=", 1)[0] for arg in argv if arg.startswith("--")}
    return list(REQUIRED_ARGUMENTS) + [name for name in OPTIONAL_ARGUMENTS if f"--{name}" in given]


# strftime directives (the format language the local engine's DuckDB uses) -> Spark datetime patterns.
STRFTIME_TO_SPARK = {
    "Y": "yyyy", "y": "yy", "m": "MM", "-m": "M", "d": "dd", "-d": "d", "H": "HH", "-H": "H",
    "I": "hh", "-I": "h", "M": "mm", "-M": "m", "S": "ss", "-S": "s", "f": "SSSSSS", "p": "a",
    "b": "MMM", "B": "MMMM", "a": "EEE", "A": "EEEE", "j": "DDD", "z": "[XXX][XX]", "T": "HH:mm:ss",
}


def strftime_to_spark(fmt):
    """Translates one strftime format into a Spark datetime pattern; literal text is quoted."""
    pattern, literal, i = [], [], 0

    def flush_literal():
        if literal:
            pattern.append("'" + "".join(literal).replace("'", "''") + "'")
            literal.clear()

    while i < len(fmt):
        if fmt[i] != "%":
            literal.append(fmt[i])
            i += 1
            continue
        directive = fmt[i + 1:i + 3] if fmt[i + 1:i + 2] == "-" else fmt[i + 1:i + 2]
        if directive == "%":
            literal.append("%")
        elif directive in STRFTIME_TO_SPARK:
            flush_literal()
            pattern.append(STRFTIME_TO_SPARK[directive])
        else:
            shown = "%" + directive if directive else "a trailing '%'"
            raise JobArgumentError(
                f"--datetime_formats '{fmt}': {shown} is not supported; use "
                + " ".join("%" + d for d in sorted(STRFTIME_TO_SPARK)) + " or %%.")
        i += 1 + len(directive)
    flush_literal()
    return "".join(pattern)


def parse_datetime_formats(text):
    """Comma-separated strftime formats -> Spark patterns, in the order given."""
    formats = [part.strip() for part in text.split(",")] if text.strip() else []
    if any(not part for part in formats):
        raise JobArgumentError(f"--datetime_formats '{text}' has an empty format between commas.")
    return tuple(strftime_to_spark(part) for part in formats)


# --- Conversion plan (pure: decided from the column names and types) -----------------------------------------------

KEEP, EPOCH, DATETIME, DATE, ZIP = "keep", "epoch", "datetime", "date", "zip"
NUMERIC_TYPES = ("tinyint", "smallint", "int", "bigint", "float", "double")
CONVERTED_TYPE = {EPOCH: "timestamp", DATETIME: "timestamp", DATE: "date", ZIP: "string"}


@dataclass(frozen=True)
class ColumnRule:
    name: str
    kind: str

    @property
    def counts_failures(self):
        return self.kind in (EPOCH, DATETIME, DATE)


@dataclass(frozen=True)
class ConversionPlan:
    rules: tuple
    partition_column: str


def rule_for(name, type_name):
    """Which conversion a source column gets, from its name and Spark type (simpleString)."""
    lower = name.lower()
    is_text = type_name == "string"
    if lower == EPOCH_COLUMN and (is_text or type_name in NUMERIC_TYPES or type_name.startswith("decimal")):
        return ColumnRule(name, EPOCH)
    if lower.endswith("_datetime") and is_text:
        return ColumnRule(name, DATETIME)
    if lower.endswith("_date") and is_text:
        return ColumnRule(name, DATE)
    if lower == ZIP_COLUMN and not type_name.startswith(("struct", "array", "map")):
        return ColumnRule(name, ZIP)
    return ColumnRule(name, KEEP)


def plan_conversions(columns, partition_column, partition_key):
    """Rules for every (name, type) column, checked against the run's partition arguments."""
    names = [name for name, _ in columns]
    for reserved in (ETL_TIME_COLUMN, partition_key):
        clash = [name for name in names if name.lower() == reserved]
        if clash:
            raise SourceDataError(
                f"the raw data already has a column '{clash[0]}', which the job adds itself; "
                + ("rename it in the raw data." if reserved == ETL_TIME_COLUMN
                   else "choose another --partition_key."))
    matches = [name for name in names if name.lower() == partition_column.lower()]
    if not matches:
        raise SourceDataError(
            f"--datetime_partition_column '{partition_column}' is not a column of the raw data; "
            f"columns: {', '.join(sorted(names))}.")
    rules = tuple(rule_for(name, type_name) for name, type_name in columns)
    types = dict(columns)
    partition_rule = next(rule for rule in rules if rule.name == matches[0])
    partition_type = CONVERTED_TYPE.get(partition_rule.kind, types[matches[0]])
    if partition_type not in ("timestamp", "date"):
        raise SourceDataError(
            f"--datetime_partition_column '{matches[0]}' has type {types[matches[0]]}; it must hold dates or "
            "timestamps (a *_datetime or *_date text column, processing_datetime, or a date/timestamp column).")
    return ConversionPlan(rules, matches[0])


def produced_type(rule, source_type):
    """The Spark type a column has after its conversion."""
    return CONVERTED_TYPE.get(rule.kind, source_type)


def is_nested(type_name):
    return type_name.startswith(("struct", "array", "map"))


def table_type(name, produced, table_types):
    """The clean table's type for a column when it differs from what this run produced, else None.

    table_types maps lowercase column names to the catalog's (Hive) type names, which Spark's cast understands.
    """
    wanted = table_types.get(name.lower())
    if wanted is None or wanted.replace(" ", "").lower() == produced.replace(" ", "").lower():
        return None
    if is_nested(wanted) or is_nested(produced):
        raise SourceDataError(
            f"column '{name}' is {wanted} in the clean table but {produced} in the new raw data; a nested column "
            "cannot be converted safely. Fix the raw data, or write to a new --target_entity_name.")
    return wanted


# --- S3 layout (pure) --------------------------------------------------------------------------------------------

def split_s3_uri(uri):
    """'s3://bucket/a/b/' -> ('bucket', 'a/b/'), keeping the key exactly as written."""
    match = re.match(r"^s3a?://([^/]+)/?(.*)$", uri)
    if not match:
        raise SourceDataError(f"'{uri}' is not an s3:// location.")
    return match.group(1), match.group(2)


def folder(uri):
    """A location with exactly one trailing '/'."""
    return uri.rstrip("/") + "/"


def partition_prefix(table_key_prefix, partition_key, value):
    return f"{folder(table_key_prefix) if table_key_prefix else ''}{partition_key}={value}/"


def is_data_file(relative_key):
    """A file directly in a partition folder, not a marker or a writer's scratch file."""
    name = relative_key.rsplit("/", 1)[-1]
    return ("/" not in relative_key and bool(name) and not name.startswith(("_", "."))
            and not name.endswith("_$folder$"))


def superseded_files(before, after):
    """Files listed before the write that are still there unchanged afterwards: safe to delete.

    A file whose LastModified moved was overwritten by this run's writer and now holds new rows, so it is kept.
    """
    return sorted(key for key, modified in before.items() if after.get(key) == modified)


# --- Partition manifest (pure) ----------------------------------------------------------------------------------

def manifest_key(entity, job_run_id):
    return f"{MANIFEST_PREFIX}{entity}/{job_run_id}.json"


def manifest_bucket(args, table_location):
    """--orchestrator_manifest_bucket, else the clean table's own bucket."""
    return args.manifest_bucket or split_s3_uri(table_location)[0]


def partition_writes(partition_key, values, rows_added, before, after):
    """What the run did to each partition it rewrote: 'key=value', whether the clean zone had it before, the rows this
    run added (duplicates it dropped do not count), and the files it wrote (new, or rewritten in place).

    rows_added maps partition values to rows; before and after are list_partition_files() around the write.
    """
    writes = []
    for value in sorted(values):
        old, new = before.get(value, {}), after.get(value, {})
        writes.append({
            "partition": f"{partition_key}={value}",
            "added": value not in before,
            "rows": int(rows_added.get(value, 0)),
            "files": sum(1 for key, modified in new.items() if old.get(key) != modified),
        })
    return writes


def build_manifest(args, table_location, writes, written_at):
    """The manifest document (manifest_version 1, documented in deploy/aws/README.md)."""
    return {
        "manifest_version": MANIFEST_VERSION,
        "job_name": args.job_name,
        "job_run_id": args.job_run_id,
        "run_marker": args.run_marker,
        "entity": args.target_entity,
        "database": args.clean_db,
        "table": args.target_entity,
        "partition_key": args.partition_key,
        "table_location": table_location,
        "written_at": written_at.astimezone(timezone.utc).isoformat(),
        "rows_written": sum(write["rows"] for write in writes),
        "partitions": writes,
    }


# --- Spark: reading and converting ---------------------------------------------------------------------------------

def column(name):
    """A column reference that survives dots and other special characters in the name."""
    return F.col("`" + name.replace("`", "``") + "`")


def configure_spark(spark):
    # UTC everywhere: offsets are normalised to UTC and text without an offset is read as UTC.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # An unparseable value must become NULL; the default policy can raise instead for some patterns.
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
    # Existing partition values are read back as the text in the folder name, exactly as written.
    spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    # Clean files carry no Spark calendar metadata; read old dates and timestamps (before 1900, sentinel values such
    # as 0001-01-01) as written instead of failing on them.
    for direction in ("Read", "Write"):
        spark.conf.set(f"spark.sql.parquet.int96RebaseModeIn{direction}", "CORRECTED")
        spark.conf.set(f"spark.sql.parquet.datetimeRebaseModeIn{direction}", "CORRECTED")


def read_raw_batch(glue_context, args, raw_partition_keys):
    """The raw files this entity's bookmark has not seen yet, as a DataFrame without the raw partition columns."""
    frame = glue_context.create_dynamic_frame.from_catalog(
        database=args.raw_db, table_name=args.source_entity, transformation_ctx="raw_source")
    # JSON files may disagree on a column's type (zip as number and as text): keep the value as text, lose nothing.
    frame = frame.resolveChoice(choice="cast:string")
    df = frame.toDF()
    drop = [name for name in df.columns if name.lower() in {key.lower() for key in raw_partition_keys}]
    return df.drop(*drop)


def blank_as_null(value):
    return F.when(F.trim(value) == "", F.lit(None)).otherwise(F.trim(value))


def epoch_expression(source, type_name, patterns):
    if type_name == "string":
        text = blank_as_null(source)
        seconds = F.when(text.rlike(r"^-?[0-9]+(\.[0-9]+)?$"), text.cast("double"))
        fallback = datetime_expression(source, patterns)
    else:
        seconds, fallback = source.cast("double"), F.lit(None).cast("timestamp")
    in_range = F.abs(seconds) <= F.lit(MAX_EPOCH_SECONDS)
    # Through double: timestamp_seconds on a long raises on overflow, on a double it cannot.
    return F.coalesce(F.when(in_range, F.timestamp_seconds(seconds)), fallback)


def datetime_expression(source, patterns):
    text = blank_as_null(source)
    return F.coalesce(text.cast("timestamp"), *[F.to_timestamp(text, pattern) for pattern in patterns])


def date_expression(source, patterns):
    text = blank_as_null(source)
    return F.coalesce(text.cast("date"), *[F.to_date(text, pattern) for pattern in patterns])


def zip_expression(source):
    text = blank_as_null(source.cast("string"))
    digits = F.regexp_extract(text, r"^([0-9]+)(\.0*)?$", 1)
    padded = F.when(F.length(digits) < 5, F.lpad(digits, 5, "0")).otherwise(digits)
    return F.when(digits != "", padded).otherwise(text)


def converted(rule, type_name, patterns):
    source = column(rule.name)
    if rule.kind == EPOCH:
        return epoch_expression(source, type_name, patterns)
    if rule.kind == DATETIME:
        return datetime_expression(source, patterns)
    if rule.kind == DATE:
        return date_expression(source, patterns)
    if rule.kind == ZIP:
        return zip_expression(source)
    return source


def etl_time(started_at):
    # A text literal cast in the session's UTC zone; a Python datetime literal would go through the driver's zone.
    return F.lit(started_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")).cast("timestamp")


def failure_flag(name):
    return f"__failed__{name}"


def prepare(df, args, plan, started_at, table_types):
    """Converted columns in the clean table's types, the ETL time and the partition key, plus a failure flag for
    every column whose values can fail to convert. Returns the frame and the flagged column names."""
    types = dict(df.dtypes)
    outputs, flags = [], []
    for rule in plan.rules:
        value = converted(rule, types[rule.name], args.datetime_patterns)
        wanted = table_type(rule.name, produced_type(rule, types[rule.name]), table_types)
        if wanted is not None:
            value = value.cast(wanted)
        outputs.append(value.alias(rule.name))
        if rule.counts_failures or wanted is not None:
            present = column(rule.name).isNotNull() & (F.trim(column(rule.name).cast("string")) != "")
            flags.append((rule.name, (present & value.isNull()).alias(failure_flag(rule.name))))
    prepared = df.select(*outputs, *[flag for _, flag in flags])
    partition_date = F.to_date(column(plan.partition_column))
    prepared = (prepared
                .withColumn(ETL_TIME_COLUMN, etl_time(started_at))
                .withColumn(args.partition_key, F.coalesce(
                    F.date_format(partition_date, PARTITION_VALUE_PATTERN), F.lit(DEFAULT_PARTITION))))
    return prepared, [name for name, _ in flags]


def count_failures(prepared, flagged):
    """Values that were present but could not be converted, per column, in one pass."""
    if not flagged:
        return {}
    row = prepared.agg(*[F.sum(F.col(failure_flag(name)).cast("long")).alias(name) for name in flagged]).first()
    return {name: int(row[name] or 0) for name in flagged}


# --- Spark: merging into the clean table ----------------------------------------------------------------------------

def merge(batch, existing, partition_key):
    """Union of existing and new rows with exact duplicates removed, the earliest processed copy kept."""
    # Both sides carry the clean table's types (prepare casts the batch), so the union needs no coercion.
    merged = batch if existing is None else batch.unionByName(existing, allowMissingColumns=True)
    identity_columns = sorted(name for name in merged.columns if name not in (ETL_TIME_COLUMN, partition_key))
    identity = F.sha2(F.to_json(F.struct(*[column(name) for name in identity_columns]),
                                {"timestampFormat": IDENTITY_TIMESTAMP_FORMAT}), 256)
    first_seen = Window.partitionBy("__identity").orderBy(F.col(ETL_TIME_COLUMN).asc(), F.col(partition_key).asc())
    deduplicated = (merged.withColumn("__identity", identity)
                    .withColumn("__copy", F.row_number().over(first_seen))
                    .where(F.col("__copy") == 1))
    ordered = [name for name in merged.columns if name not in (ETL_TIME_COLUMN, partition_key)]
    return deduplicated.select(*[column(name) for name in ordered], F.col(ETL_TIME_COLUMN), F.col(partition_key))


def read_existing(spark, table_location, files, partition_key):
    """The rows of the files about to be superseded, with the partition value taken from their folder."""
    if not files:
        return None
    bucket, _ = split_s3_uri(table_location)
    existing = (spark.read.option("basePath", table_location).option("mergeSchema", "true")
                .parquet(*[f"s3://{bucket}/{key}" for key in files]))
    return existing.withColumn(partition_key, F.coalesce(F.col(partition_key), F.lit(DEFAULT_PARTITION)))


# --- Catalog and S3 ---------------------------------------------------------------------------------------------

def raw_partition_keys(glue, args):
    try:
        table = glue.get_table(DatabaseName=args.raw_db, Name=args.source_entity)["Table"]
    except glue.exceptions.EntityNotFoundException as error:
        raise SourceDataError(
            f"raw table {args.raw_db}.{args.source_entity} does not exist: run the raw crawler first, and check "
            "--source_entity_name (it is the raw table's name).") from error
    return [key["Name"] for key in table.get("PartitionKeys", [])]


@dataclass(frozen=True)
class CleanTable:
    location: str
    column_types: dict


def clean_table(glue, args):
    """The clean table's location and column types; for a table not created yet, <database location>/<target>/."""
    try:
        table = glue.get_table(DatabaseName=args.clean_db, Name=args.target_entity)["Table"]
    except glue.exceptions.EntityNotFoundException:
        table = None
    if table is not None:
        keys = [key["Name"] for key in table.get("PartitionKeys", [])]
        if keys != [args.partition_key]:
            raise SourceDataError(
                f"clean table {args.clean_db}.{args.target_entity} is partitioned by {keys or 'nothing'}, but this run "
                f"writes --partition_key {args.partition_key}; use the table's key or another --target_entity_name.")
        storage = table["StorageDescriptor"]
        types = {c["Name"].lower(): c["Type"] for c in storage.get("Columns", [])}
        return CleanTable(folder(storage["Location"]), types)
    database = glue.get_database(Name=args.clean_db)["Database"]
    if not database.get("LocationUri"):
        raise SourceDataError(
            f"clean database {args.clean_db} has no location, so a new table has nowhere to go; give the database "
            "a LocationUri (the CloudFormation stack does).")
    return CleanTable(folder(database["LocationUri"]) + args.target_entity + "/", {})


def list_partition_files(s3, table_location, partition_key, values):
    """Data files of each partition folder, as {value: {key: LastModified}} (values without files omitted)."""
    bucket, table_prefix = split_s3_uri(table_location)
    paginator = s3.get_paginator("list_objects_v2")
    partitions = {}
    for value in values:
        prefix = partition_prefix(table_prefix, partition_key, value)
        files = {item["Key"]: item["LastModified"]
                 for page in paginator.paginate(Bucket=bucket, Prefix=prefix)
                 for item in page.get("Contents", [])
                 if is_data_file(item["Key"][len(prefix):])}
        if files:
            partitions[value] = files
    return partitions


def all_files(partitions):
    return {key: modified for files in partitions.values() for key, modified in files.items()}


def delete_files(s3, bucket, keys):
    for start in range(0, len(keys), 1000):
        batch = keys[start:start + 1000]
        response = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
        if response.get("Errors"):
            failed = ", ".join(f"{e['Key']} ({e['Code']})" for e in response["Errors"][:5])
            raise RuntimeError(f"could not delete superseded clean files: {failed}; the next run will clean up.")


def write_clean(glue_context, merged, args, table_location):
    """Writes through Glue's catalog sink, which creates or evolves the clean table and registers partitions."""
    from awsglue.dynamicframe import DynamicFrame

    # One task per partition value keeps each partition to one new file.
    frame = DynamicFrame.fromDF(merged.repartition(F.col(args.partition_key)), glue_context, "clean_rows")
    sink = glue_context.getSink(
        connection_type="s3", path=table_location, enableUpdateCatalog=True,
        updateBehavior="UPDATE_IN_DATABASE", partitionKeys=[args.partition_key], transformation_ctx="clean_sink")
    # The catalog can only be updated through Glue's own Parquet writer.
    sink.setFormat("glueparquet", compression=args.parquet_compression)
    sink.setCatalogInfo(catalogDatabase=args.clean_db, catalogTableName=args.target_entity)
    sink.writeFrame(frame)


# --- The run -----------------------------------------------------------------------------------------------------

def run(glue_context, args, started_at):
    import boto3

    spark = glue_context.spark_session
    configure_spark(spark)
    glue, s3 = boto3.client("glue"), boto3.client("s3")
    summary = {"source_entity": args.source_entity, "target_entity": args.target_entity,
               "run_marker": args.run_marker, "etl_processing_datetime": started_at.isoformat(),
               "rows_read": 0, "rows_added": 0, "duplicates_dropped": 0, "rows_in_default_partition": 0,
               "nulls_from_failed_conversions": {}, "partitions_added": [], "partitions_updated": [],
               "files_superseded": 0, "partitions": []}

    raw = read_raw_batch(glue_context, args, raw_partition_keys(glue, args))
    table = clean_table(glue, args)
    summary["table_location"] = table.location
    if not raw.columns or not raw.take(1):
        LOG.info("No new raw files for %s since the last bookmark; nothing to write", args.source_entity)
        return summary

    plan = plan_conversions(raw.dtypes, args.partition_column, args.partition_key)
    prepared, flagged = prepare(raw, args, plan, started_at, table.column_types)
    prepared = prepared.persist()
    summary["nulls_from_failed_conversions"] = count_failures(prepared, flagged)
    for name, failures in summary["nulls_from_failed_conversions"].items():
        if failures:
            LOG.warning("%d value(s) of %s could not be converted and are NULL", failures, name)
    batch = prepared.drop(*[failure_flag(name) for name in flagged])
    rows_per_value = {row[0]: row[1] for row in batch.groupBy(args.partition_key).count().collect()}
    values = sorted(rows_per_value)
    summary["rows_read"] = sum(rows_per_value.values())
    summary["rows_in_default_partition"] = rows_per_value.get(DEFAULT_PARTITION, 0)

    before = list_partition_files(s3, table.location, args.partition_key, values)
    existing = read_existing(spark, table.location, sorted(all_files(before)), args.partition_key)
    merged = merge(batch, existing, args.partition_key).persist()
    # Survivors stamped with this run's time are the new rows; the rest of the batch duplicated something.
    added = merged.where(F.col(ETL_TIME_COLUMN) == etl_time(started_at)).groupBy(args.partition_key).count()
    rows_added = {row[0]: row[1] for row in added.collect()}
    summary["rows_added"] = sum(rows_added.values())
    summary["duplicates_dropped"] = summary["rows_read"] - summary["rows_added"]
    summary["partitions_updated"] = [value for value in values if value in before]
    summary["partitions_added"] = [value for value in values if value not in before]
    LOG.info("Writing %d partition(s) of %s.%s at %s (%d new, %d rewritten)", len(values), args.clean_db,
             args.target_entity, table.location, len(summary["partitions_added"]), len(summary["partitions_updated"]))
    write_clean(glue_context, merged, args, table.location)

    after = list_partition_files(s3, table.location, args.partition_key, values)
    stale = superseded_files(all_files(before), all_files(after))
    kept = sorted(set(all_files(before)) - set(stale))
    if kept:
        LOG.warning("%d superseded file(s) were rewritten in place by this run and are kept: %s", len(kept), kept[:5])
    delete_files(s3, split_s3_uri(table.location)[0], stale)
    summary["files_superseded"] = len(stale)
    summary["partitions"] = partition_writes(args.partition_key, values, rows_added, before, after)
    merged.unpersist()
    prepared.unpersist()
    return summary


def main(argv):
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    options = getResolvedOptions(argv, argument_names(argv))
    args = JobArguments.from_resolved(options)
    started_at = datetime.now(timezone.utc)
    LOG.info("Preparing %s.%s -> %s.%s partitioned by %s (date of %s); run marker %s", args.raw_db,
             args.source_entity, args.clean_db, args.target_entity, args.partition_key, args.partition_column,
             args.run_marker or "(none)")

    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args.bookmark_name, options)
    summary = run(glue_context, args, started_at)
    # One machine-readable line per run, for the logs and for anyone tracing late data.
    LOG.info("DATA_PREPARATION_RESULT %s", json.dumps(summary, sort_keys=True))
    write_manifest(args, summary)
    job.commit()


def write_manifest(args, summary):
    """Writes the run's partition manifest once its clean files are final, before the bookmark is committed."""
    import boto3

    manifest = build_manifest(args, summary["table_location"], summary["partitions"], datetime.now(timezone.utc))
    bucket, key = manifest_bucket(args, summary["table_location"]), manifest_key(args.target_entity, args.job_run_id)
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest, sort_keys=True).encode("utf-8"),
                                  ContentType="application/json")
    LOG.info("Wrote the partition manifest s3://%s/%s (%d partitions)", bucket, key, len(manifest["partitions"]))


if __name__ == "__main__":
    main(sys.argv)
