"""Unit tests of data_preparation.py's pure helpers (no Spark, no Glue): python3 -m unittest -v test_data_preparation"""

import unittest
from datetime import datetime, timezone

import data_preparation as dp

ENTITY_ARGUMENTS = {
    "JOB_NAME": "mystore-data-preparation-parquet",
    "JOB_RUN_ID": "jr_0123abcd",
    "source_entity_name": "customer",
    "target_entity_name": "customer",
    "datetime_partition_column": "created_datetime",
    "partition_key": "created_date",
    "raw_db_name": "mystore_raw",
    "clean_db_name": "mystore_clean",
}


def arguments(**changes):
    options = dict(ENTITY_ARGUMENTS)
    options.update(changes)
    return dp.JobArguments.from_resolved(options)


class ArgumentTests(unittest.TestCase):
    def test_entity_arguments_are_read_with_defaults_for_the_optional_ones(self):
        args = arguments()
        self.assertEqual(("customer", "customer", "created_datetime", "created_date"),
                         (args.source_entity, args.target_entity, args.partition_column, args.partition_key))
        self.assertEqual(("mystore_raw", "mystore_clean", "", (), "snappy", "", "jr_0123abcd"),
                         (args.raw_db, args.clean_db, args.run_marker, args.datetime_patterns,
                          args.parquet_compression, args.manifest_bucket, args.job_run_id))

    def test_each_entity_keeps_its_own_bookmark(self):
        self.assertEqual("mystore-data-preparation-parquet-customer-customer", arguments().bookmark_name)
        self.assertNotEqual(arguments().bookmark_name,
                            arguments(source_entity_name="sales", target_entity_name="sales").bookmark_name)

    def test_only_the_optional_arguments_present_are_resolved(self):
        argv = ["script.py", "--JOB_NAME", "j", "--orchestrator_run_marker", "run/customer/1",
                "--job-bookmark-option", "job-bookmark-enable", "--datetime_formats=%d/%m/%Y"]
        names = dp.argument_names(argv)
        self.assertEqual(list(dp.REQUIRED_ARGUMENTS), names[:len(dp.REQUIRED_ARGUMENTS)])
        self.assertEqual(["orchestrator_run_marker", "datetime_formats"], names[len(dp.REQUIRED_ARGUMENTS):])

    def test_a_table_name_with_a_hyphen_is_refused_with_the_crawler_naming_hint(self):
        with self.assertRaises(dp.JobArgumentError) as raised:
            arguments(source_entity_name="customer-address")
        self.assertIn("--source_entity_name 'customer-address'", str(raised.exception))
        self.assertIn("customer_address", str(raised.exception))

    def test_a_partition_key_that_is_not_a_column_name_is_refused(self):
        with self.assertRaises(dp.JobArgumentError) as raised:
            arguments(partition_key="created date")
        self.assertIn("--partition_key 'created date'", str(raised.exception))

    def test_an_empty_partition_column_is_refused(self):
        with self.assertRaises(dp.JobArgumentError) as raised:
            arguments(datetime_partition_column="  ")
        self.assertIn("--datetime_partition_column", str(raised.exception))

    def test_zstd_is_refused_because_the_glue_parquet_writer_does_not_offer_it(self):
        with self.assertRaises(dp.JobArgumentError) as raised:
            arguments(parquet_compression="zstd")
        self.assertIn("snappy", str(raised.exception))
        self.assertEqual("gzip", arguments(parquet_compression="GZIP").parquet_compression)

    def test_the_run_marker_is_kept(self):
        self.assertEqual("data-preparation@20260101T0000Z/customer/1",
                         arguments(orchestrator_run_marker="data-preparation@20260101T0000Z/customer/1").run_marker)


class DatetimeFormatTests(unittest.TestCase):
    def test_strftime_directives_become_spark_patterns_with_literals_quoted(self):
        self.assertEqual("dd'/'MM'/'yyyy' 'HH':'mm':'ss", dp.strftime_to_spark("%d/%m/%Y %H:%M:%S"))
        self.assertEqual("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'SSSSSS[XXX][XX]",
                         dp.strftime_to_spark("%Y-%m-%dT%H:%M:%S.%f%z"))
        self.assertEqual("yyyyMMdd", dp.strftime_to_spark("%Y%m%d"))

    def test_unpadded_fields_percent_signs_and_quotes(self):
        self.assertEqual("d'.'M'.'yyyy", dp.strftime_to_spark("%-d.%-m.%Y"))
        self.assertEqual("'100% at 'HH", dp.strftime_to_spark("100%% at %H"))
        self.assertEqual("dd' o''clock'", dp.strftime_to_spark("%d o'clock"))

    def test_an_unknown_directive_names_the_format(self):
        with self.assertRaises(dp.JobArgumentError) as raised:
            dp.strftime_to_spark("%d/%m/%Y %Q")
        self.assertIn("'%d/%m/%Y %Q'", str(raised.exception))
        self.assertIn("%Q is not supported", str(raised.exception))
        with self.assertRaises(dp.JobArgumentError):
            dp.strftime_to_spark("%Y%")

    def test_formats_are_comma_separated_and_kept_in_order(self):
        self.assertEqual(("dd'/'MM'/'yyyy", "MM'-'dd'-'yyyy"), dp.parse_datetime_formats(" %d/%m/%Y , %m-%d-%Y"))
        self.assertEqual((), dp.parse_datetime_formats("  "))
        with self.assertRaises(dp.JobArgumentError):
            dp.parse_datetime_formats("%d/%m/%Y,,%Y")


MYSTORE_CUSTOMER = [
    ("customer_id", "bigint"),
    ("zip", "string"),
    ("created_datetime", "string"),
    ("birth_date", "string"),
    ("processing_datetime", "bigint"),
    ("updated_datetime", "timestamp"),
    ("address", "struct<city:string,zip:string>"),
    ("loyalty_points", "double"),
]


class ConversionPlanTests(unittest.TestCase):
    def test_columns_are_converted_by_name_and_type(self):
        plan = dp.plan_conversions(MYSTORE_CUSTOMER, "created_datetime", "created_date")
        kinds = {rule.name: rule.kind for rule in plan.rules}
        self.assertEqual({
            "customer_id": dp.KEEP, "zip": dp.ZIP, "created_datetime": dp.DATETIME, "birth_date": dp.DATE,
            "processing_datetime": dp.EPOCH, "updated_datetime": dp.KEEP, "address": dp.KEEP,
            "loyalty_points": dp.KEEP}, kinds)
        self.assertEqual([name for name, _ in MYSTORE_CUSTOMER], [rule.name for rule in plan.rules])

    def test_a_numeric_zip_becomes_text_and_epoch_text_is_still_an_epoch(self):
        self.assertEqual(dp.ZIP, dp.rule_for("ZIP", "bigint").kind)
        self.assertEqual(dp.EPOCH, dp.rule_for("Processing_Datetime", "string").kind)
        self.assertEqual(dp.KEEP, dp.rule_for("order_date", "date").kind)

    def test_only_conversions_that_can_fail_are_counted(self):
        counted = {rule.name for rule in dp.plan_conversions(MYSTORE_CUSTOMER, "created_datetime",
                                                             "created_date").rules if rule.counts_failures}
        self.assertEqual({"created_datetime", "birth_date", "processing_datetime"}, counted)

    def test_the_partition_column_is_matched_without_case(self):
        plan = dp.plan_conversions([("Created_DateTime", "string")], "created_datetime", "created_date")
        self.assertEqual("Created_DateTime", plan.partition_column)

    def test_a_missing_partition_column_lists_the_columns(self):
        with self.assertRaises(dp.SourceDataError) as raised:
            dp.plan_conversions(MYSTORE_CUSTOMER, "order_datetime", "order_date")
        self.assertIn("'order_datetime' is not a column", str(raised.exception))
        self.assertIn("created_datetime", str(raised.exception))

    def test_a_partition_column_without_dates_is_refused(self):
        with self.assertRaises(dp.SourceDataError) as raised:
            dp.plan_conversions(MYSTORE_CUSTOMER, "loyalty_points", "points_date")
        self.assertIn("'loyalty_points' has type double", str(raised.exception))

    def test_columns_the_job_adds_may_not_come_from_the_raw_data(self):
        with self.assertRaises(dp.SourceDataError) as raised:
            dp.plan_conversions(MYSTORE_CUSTOMER + [("Created_Date", "string")], "created_datetime", "created_date")
        self.assertIn("choose another --partition_key", str(raised.exception))
        with self.assertRaises(dp.SourceDataError):
            dp.plan_conversions(MYSTORE_CUSTOMER + [("etl_processing_datetime", "string")], "created_datetime",
                                "created_date")


class CleanTableTypeTests(unittest.TestCase):
    def test_a_column_keeps_the_type_the_clean_table_gave_it(self):
        self.assertEqual("bigint", dp.table_type("Quantity", "string", {"quantity": "bigint"}))
        self.assertIsNone(dp.table_type("quantity", "bigint", {"quantity": "BIGINT"}))
        self.assertIsNone(dp.table_type("new_column", "string", {"quantity": "bigint"}))

    def test_converted_columns_are_compared_by_their_converted_type(self):
        rule = dp.rule_for("created_datetime", "string")
        self.assertIsNone(dp.table_type(rule.name, dp.produced_type(rule, "string"),
                                        {"created_datetime": "timestamp"}))

    def test_a_nested_column_that_changed_shape_is_refused(self):
        with self.assertRaises(dp.SourceDataError) as raised:
            dp.table_type("address", "string", {"address": "struct<city:string>"})
        self.assertIn("'address' is struct<city:string> in the clean table but string", str(raised.exception))


class S3LayoutTests(unittest.TestCase):
    def test_s3_uris_split_into_bucket_and_key(self):
        self.assertEqual(("lake", "clean/customer/"), dp.split_s3_uri("s3://lake/clean/customer/"))
        self.assertEqual(("lake", ""), dp.split_s3_uri("s3://lake"))
        with self.assertRaises(dp.SourceDataError):
            dp.split_s3_uri("/tmp/lake")

    def test_partition_folders_follow_the_hive_layout(self):
        self.assertEqual("clean/customer/created_date=2026-01-03/",
                         dp.partition_prefix("clean/customer", "created_date", "2026-01-03"))
        self.assertEqual("created_date=__HIVE_DEFAULT_PARTITION__/",
                         dp.partition_prefix("", "created_date", dp.DEFAULT_PARTITION))

    def test_only_data_files_directly_in_the_partition_count(self):
        self.assertTrue(dp.is_data_file("run-1767225600000-part-block-0-r-00000-snappy.parquet"))
        for marker in ("_SUCCESS", ".part-0.crc", "_temporary/0/part-0.parquet", "x_$folder$", ""):
            self.assertFalse(dp.is_data_file(marker), marker)

    def test_files_rewritten_in_place_are_not_deleted(self):
        t0 = datetime(2026, 1, 3, 10, 0, tzinfo=timezone.utc)
        t1 = datetime(2026, 1, 3, 11, 0, tzinfo=timezone.utc)
        before = {"p/a.parquet": t0, "p/b.parquet": t0, "p/gone.parquet": t0}
        after = {"p/a.parquet": t0, "p/b.parquet": t1, "p/new.parquet": t1}
        self.assertEqual(["p/a.parquet"], dp.superseded_files(before, after))


class ManifestTests(unittest.TestCase):
    T0 = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.utc)
    T1 = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)

    def test_manifests_live_under_one_prefix_per_entity_named_by_the_job_run(self):
        self.assertEqual("_orchestrator/manifests/customer/jr_0123abcd.json",
                         dp.manifest_key("customer", "jr_0123abcd"))

    def test_the_manifest_bucket_is_the_argument_else_the_clean_tables_bucket(self):
        self.assertEqual("lake", dp.manifest_bucket(arguments(), "s3://lake/clean/customer/"))
        self.assertEqual("manifests", dp.manifest_bucket(arguments(orchestrator_manifest_bucket="manifests"),
                                                         "s3://lake/clean/customer/"))
        with self.assertRaises(dp.JobArgumentError) as raised:
            arguments(orchestrator_manifest_bucket="s3://lake/x")
        self.assertIn("--orchestrator_manifest_bucket 's3://lake/x'", str(raised.exception))

    def test_each_rewritten_partition_reports_new_or_updated_its_added_rows_and_the_files_written(self):
        before = {"2026-03-09": {"p9/old.parquet": self.T0}, "2026-03-08": {"p8/a.parquet": self.T0}}
        after = {"2026-03-09": {"p9/old.parquet": self.T0, "p9/new.parquet": self.T1},
                 "2026-03-08": {"p8/a.parquet": self.T1},
                 "2026-03-10": {"p10/x.parquet": self.T1, "p10/y.parquet": self.T1}}
        writes = dp.partition_writes("created_date", ["2026-03-10", "2026-03-09", "2026-03-08"],
                                     {"2026-03-09": 1, "2026-03-10": 4}, before, after)
        self.assertEqual([
            {"partition": "created_date=2026-03-08", "added": False, "rows": 0, "files": 1},
            {"partition": "created_date=2026-03-09", "added": False, "rows": 1, "files": 1},
            {"partition": "created_date=2026-03-10", "added": True, "rows": 4, "files": 2},
        ], writes)

    def test_the_manifest_carries_the_run_the_table_and_the_partitions(self):
        writes = [{"partition": "created_date=2026-03-10", "added": True, "rows": 4, "files": 2}]
        manifest = dp.build_manifest(arguments(orchestrator_run_marker="r/customer/1"), "s3://lake/clean/customer/",
                                     writes, self.T1)
        self.assertEqual(1, manifest["manifest_version"])
        self.assertEqual(("jr_0123abcd", "r/customer/1", "customer", "mystore_clean", "created_date"),
                         (manifest["job_run_id"], manifest["run_marker"], manifest["entity"], manifest["database"],
                          manifest["partition_key"]))
        self.assertEqual((4, writes, "2026-03-10T12:00:00+00:00"),
                         (manifest["rows_written"], manifest["partitions"], manifest["written_at"]))
        self.assertEqual([], dp.build_manifest(arguments(), "s3://lake/clean/customer/", [], self.T1)["partitions"])


if __name__ == "__main__":
    unittest.main()
