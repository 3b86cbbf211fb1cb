namespace Orchestrator.Glue.Local;

/// <summary>
/// The local catalog's schema as numbered scripts, applied in order and recorded in <c>schema_versions</c>; a change
/// is a new script, never an edit of an applied one.
/// </summary>
static class CatalogSchema
{
    public static readonly IReadOnlyList<string> Scripts =
    [
        """
        CREATE TABLE databases (
            name TEXT PRIMARY KEY,
            zone TEXT NOT NULL,
            location TEXT NOT NULL,
            created_at TEXT NOT NULL);

        CREATE TABLE tables (
            database_name TEXT NOT NULL,
            name TEXT NOT NULL,
            location TEXT NOT NULL,
            classification TEXT NOT NULL,
            partition_keys TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            updated_by TEXT NOT NULL,
            PRIMARY KEY (database_name, name));

        CREATE TABLE columns (
            database_name TEXT NOT NULL,
            table_name TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            type TEXT NOT NULL,
            source_type TEXT NOT NULL,
            PRIMARY KEY (database_name, table_name, name));

        CREATE TABLE partitions (
            database_name TEXT NOT NULL,
            table_name TEXT NOT NULL,
            location TEXT NOT NULL,
            partition_values TEXT NOT NULL,
            file_count INTEGER NOT NULL,
            row_count INTEGER NOT NULL,
            size_bytes INTEGER NOT NULL,
            fingerprint TEXT NOT NULL,
            columns TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (database_name, table_name, location));

        CREATE TABLE schema_changes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            database_name TEXT NOT NULL,
            table_name TEXT NOT NULL,
            column_name TEXT NOT NULL,
            change TEXT NOT NULL,
            old_type TEXT,
            new_type TEXT NOT NULL,
            location TEXT,
            detected_at TEXT NOT NULL,
            detected_by TEXT NOT NULL);

        CREATE TABLE crawls (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            crawler_name TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            completed_at TEXT,
            error_message TEXT,
            tables_created INTEGER,
            tables_updated INTEGER,
            partitions_added INTEGER,
            owner TEXT NOT NULL,
            lease_until TEXT NOT NULL,
            stop_requested INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX crawls_by_crawler ON crawls (crawler_name, id);
        CREATE INDEX crawls_by_status ON crawls (status);

        CREATE TABLE job_runs (
            id TEXT PRIMARY KEY,
            job_name TEXT NOT NULL,
            marker TEXT,
            state TEXT NOT NULL,
            error_message TEXT,
            arguments TEXT NOT NULL,
            started_on TEXT NOT NULL,
            last_modified_on TEXT NOT NULL,
            completed_on TEXT,
            details TEXT,
            owner TEXT NOT NULL,
            lease_until TEXT NOT NULL,
            stop_requested INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX job_runs_by_job ON job_runs (job_name, started_on);
        CREATE INDEX job_runs_by_marker ON job_runs (job_name, marker);
        CREATE INDEX job_runs_by_state ON job_runs (state);

        CREATE TABLE bookmarks (
            job_name TEXT NOT NULL,
            target TEXT NOT NULL,
            path TEXT NOT NULL,
            size INTEGER NOT NULL,
            modified_at TEXT NOT NULL,
            run_id TEXT NOT NULL,
            processed_at TEXT NOT NULL,
            PRIMARY KEY (job_name, target, path));
        """,
        """
        ALTER TABLE job_runs ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE job_runs ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawls ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawls ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
        """,
    ];
}
